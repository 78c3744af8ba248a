/**
 * Unit tests of the service, with no servers: routing, validation, error mapping, cache-aside,
 * settings, credentials and draining. The store and cache here are in-memory test doubles; the
 * behavioural suite (npm run test:integration) runs the same service against real engines.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { createApp } from '../service/src/app';
import type { Cache } from '../service/src/cache';
import { fromSecret, REFRESH_MS } from '../service/src/credentials';
import { isUnavailable as dynamoUnavailable } from '../service/src/dynamodb-store';
import { StoreUnavailable } from '../service/src/errors';
import { isUnavailable as postgresUnavailable } from '../service/src/postgres-store';
import { start } from '../service/src/server';
import { readSettings } from '../service/src/settings';
import type { Item, ItemStore } from '../service/src/store';

class MemoryStore implements ItemStore {
  readonly kind = 'memory';
  readonly items = new Map<string, Item>();
  down = false;
  delayMs = 0;
  private check() {
    if (this.down) throw new StoreUnavailable('memory', new Error('connect ECONNREFUSED'));
  }
  async put(item: Item) {
    await new Promise((r) => setTimeout(r, this.delayMs));
    this.check();
    this.items.set(item.id, item);
  }
  async get(id: string) {
    this.check();
    return this.items.get(id);
  }
  async ping() {
    this.check();
  }
  async close() {}
}

class MemoryCache implements Cache {
  readonly values = new Map<string, string>();
  readonly calls: string[] = [];
  failing = false;
  async get(key: string) {
    this.calls.push(`get ${key}`);
    return this.failing ? undefined : this.values.get(key);
  }
  async set(key: string, value: string, ttl: number) {
    this.calls.push(`set ${key} ${ttl}`);
    if (!this.failing) this.values.set(key, value);
  }
  async delete(key: string) {
    this.calls.push(`delete ${key}`);
    this.values.delete(key);
  }
  async ping() {
    if (this.failing) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
  }
  async close() {}
}

const SETTINGS = readSettings({ DATA_STORE: 'dynamodb', TABLE_NAME: 't', AWS_REGION: 'us-east-1', PORT: '0', LISTEN_HOST: '127.0.0.1', STAGE: 'Stage3-LoadBalanced', VERSION: '1.2.3', DRAIN_SECONDS: '5' });

async function serve(store = new MemoryStore(), cache?: Cache) {
  const logs: Record<string, unknown>[] = [];
  const handle = createApp({ store, cache, cacheTtlSeconds: 60, bodyLimitBytes: 1024, identity: { stage: 'Stage3-LoadBalanced', host: 'i-0abc', version: '1.2.3' }, log: (l) => logs.push(l) });
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const call = async (method: string, path: string, body?: string) => {
    const response = await fetch(`${base}${path}`, { method, body, headers: body ? { 'Content-Type': 'application/json' } : {} });
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  };
  return { store, cache, logs, call, close: () => new Promise((r) => server.close(r)) };
}

describe('routes', () => {
  let s: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => (s = await serve()));
  afterAll(() => s.close());

  test('GET /healthz answers without touching the store', async () => {
    s.store.down = true;
    expect(await s.call('GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    s.store.down = false;
  });

  test('GET / says which stage, host, data store, cache and version answered', async () => {
    expect((await s.call('GET', '/')).body).toEqual({ service: 'zero-to-millions', stage: 'Stage3-LoadBalanced', host: 'i-0abc', version: '1.2.3', dataStore: 'memory', cache: 'off' });
  });

  test('POST /items stores a valid item: 201, its id and Location; GET returns it', async () => {
    const created = await s.call('POST', '/items', JSON.stringify({ name: 'first', attributes: { colour: 'blue', size: 3, sale: true } }));
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'first', attributes: { colour: 'blue', size: 3, sale: true }, createdAt: expect.any(String) });
    expect(created.headers.get('location')).toBe(`/items/${created.body.id}`);
    expect(await s.call('GET', `/items/${created.body.id}`)).toMatchObject({ status: 200, body: created.body });
  });

  test.each([
    ['malformed JSON', '{"name": ', 400, /^malformed JSON: /],
    ['not an object', '[1,2]', 400, /^the body must be a JSON object, got \[1,2\]$/],
    ['missing name', '{}', 400, /^name: got undefined; allowed: a string of 1 to 200 characters, not only white space, well-formed Unicode without U\+0000$/],
    ['unknown field and bad attribute', '{"name":"x","colour":1,"attributes":{"a":[1]}}', 400, /^"colour": unknown field; allowed fields: name, attributes; attributes.a: got \[1\]; allowed: /],
    ['a body over the limit', JSON.stringify({ name: 'x'.repeat(2000) }), 413, /^the body is \d+ bytes; allowed: at most 1024$/],
  ])('bad input is a clear 4xx, never a crash: %s', async (_name, body, status, message) => {
    const answer = await s.call('POST', '/items', body);
    expect(answer.status).toBe(status);
    expect(answer.body.error).toMatch(message);
  });

  test('unknown items, bad ids, unknown routes and wrong methods', async () => {
    expect(await s.call('GET', '/items/00000000-0000-4000-8000-000000000000')).toMatchObject({ status: 404, body: { error: 'no item 00000000-0000-4000-8000-000000000000' } });
    expect(await s.call('GET', '/items/42')).toMatchObject({ status: 404, body: { error: 'no item 42: item ids are UUIDs' } });
    expect(await s.call('GET', '/nowhere')).toMatchObject({ status: 404, body: { error: 'no route GET /nowhere' } });
    const wrong = await s.call('DELETE', '/items');
    expect(wrong).toMatchObject({ status: 405, body: { error: 'DELETE is not allowed on /items; allowed: POST' } });
    expect(wrong.headers.get('allow')).toBe('POST');
  });

  test('a store that is down is a 503 with a clear body, and /readyz says so; recovery needs no restart', async () => {
    s.store.down = true;
    const write = await s.call('POST', '/items', '{"name":"x"}');
    expect(write).toMatchObject({ status: 503, body: { error: 'the data store is unavailable; retry shortly', store: 'memory' } });
    expect(write.headers.get('retry-after')).toBe('2');
    expect(await s.call('GET', '/readyz')).toMatchObject({ status: 503, body: { status: 'not ready', dataStore: { ok: false, error: expect.stringContaining('ECONNREFUSED') } } });
    s.store.down = false;
    expect((await s.call('POST', '/items', '{"name":"x"}')).status).toBe(201);
    expect(await s.call('GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready', dataStore: { kind: 'memory', ok: true, ms: expect.any(Number) }, cache: 'off' } });
  });

  test('one JSON log line per request', async () => {
    const before = s.logs.length;
    await s.call('GET', '/healthz');
    expect(s.logs.slice(before)).toEqual([{ level: 'info', method: 'GET', path: '/healthz', status: 200, ms: expect.any(Number), bytes: 15 }]);
  });
});

describe('cache-aside', () => {
  test('a miss reads the store and fills the cache with the TTL; the next read is a hit; writes invalidate', async () => {
    const s = await serve(new MemoryStore(), new MemoryCache());
    const cache = s.cache as MemoryCache;
    const { body: item } = await s.call('POST', '/items', '{"name":"cached"}');
    expect(cache.calls).toEqual([`delete item:${item.id}`]);
    const miss = await s.call('GET', `/items/${item.id}`);
    const hit = await s.call('GET', `/items/${item.id}`);
    expect([miss.headers.get('x-cache'), hit.headers.get('x-cache')]).toEqual(['miss', 'hit']);
    expect(hit.body).toEqual(item);
    expect(cache.calls).toEqual([`delete item:${item.id}`, `get item:${item.id}`, `set item:${item.id} 60`, `get item:${item.id}`]);
    expect((await s.call('GET', '/')).body.cache).toBe('on');
    await s.close();
  });

  test('a cache that is down never fails a read: it falls through to the store; /readyz reports it', async () => {
    const s = await serve(new MemoryStore(), new MemoryCache());
    const { body: item } = await s.call('POST', '/items', '{"name":"x"}');
    (s.cache as MemoryCache).failing = true;
    expect(await s.call('GET', `/items/${item.id}`)).toMatchObject({ status: 200, body: item });
    expect(await s.call('GET', '/readyz')).toMatchObject({ status: 503, body: { cache: { ok: false, error: 'connect ECONNREFUSED 127.0.0.1:6379' } } });
    await s.close();
  });
});

describe('settings', () => {
  test('every problem of the environment is reported at once, naming the variable', () => {
    expect(() => readSettings({ DATA_STORE: 'mysql', PORT: 'eighty', CACHE_URL: 'memcached://x' })).toThrow(
      [
        "The service's environment has 3 problem(s):",
        '  - DATA_STORE: got "mysql"; allowed: rds, postgresql, postgresql-local, dynamodb',
        '  - CACHE_URL: got "memcached://x"; allowed: a redis:// or rediss:// URL',
        '  - PORT: got "eighty"; allowed: a whole number from 0 to 65535',
      ].join('\n'),
    );
    expect(() => readSettings({ DATA_STORE: 'rds', DB_HOST: 'db' })).toThrow('DB_SECRET_ARN or DB_USER: neither is set');
  });

  test('the environment a stage writes is read as the stage means it', () => {
    expect(readSettings({ DATA_STORE: 'rds', DB_HOST: 'db.example', DB_PORT: '5432', DB_NAME: 'app', DB_SECRET_ARN: 'arn:secret', DB_CA_FILE: '/etc/ca.pem', PORT: '80' })).toMatchObject({
      port: 80,
      store: { kind: 'postgresql', host: 'db.example', port: 5432, database: 'app', secretArn: 'arn:secret', caFile: '/etc/ca.pem' },
      drainSeconds: 25,
    });
  });
});

describe('credentials from Secrets Manager', () => {
  const secrets = mockClient(SecretsManagerClient);
  afterEach(() => secrets.reset());

  test('are read from the stack secret, cached, and re-read after a while so a rotated password is used', async () => {
    let now = 0;
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ username: 'app_admin', password: 'one' }) })
      .resolves({ SecretString: JSON.stringify({ username: 'app_admin', password: 'two' }) });
    const credentials = fromSecret('arn:aws:secretsmanager:us-east-1:1:secret:db', new SecretsManagerClient({ region: 'us-east-1' }), () => now);
    expect([await credentials.user(), await credentials.password()]).toEqual(['app_admin', 'one']);
    now = REFRESH_MS + 1;
    expect(await credentials.password()).toBe('two');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  test('a secret that cannot be read makes the store unavailable (503), not a crash', async () => {
    secrets.on(GetSecretValueCommand).rejects(new Error('connect ETIMEDOUT'));
    const credentials = fromSecret('arn:secret', new SecretsManagerClient({ region: 'us-east-1' }));
    await expect(credentials.user()).rejects.toBeInstanceOf(StoreUnavailable);
  });
});

test('connection failures are told apart from bad queries', () => {
  expect(postgresUnavailable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
  expect(postgresUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
  expect(postgresUnavailable(Object.assign(new Error('syntax error'), { code: '42601' }))).toBe(false);
  expect(dynamoUnavailable(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
  expect(dynamoUnavailable(Object.assign(new Error('bad'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } }))).toBe(false);
});

test('SIGTERM drains: new connections are refused, the request in flight finishes, then it stops', async () => {
  const store = new MemoryStore();
  const running = await start(SETTINGS, { store, log: () => undefined });
  const base = `http://127.0.0.1:${running.port}`;
  store.delayMs = 300;
  const inFlight = fetch(`${base}/items`, { method: 'POST', body: '{"name":"slow"}' });
  await new Promise((r) => setTimeout(r, 50));
  const stopping = running.stop();
  await new Promise((r) => setTimeout(r, 20));
  await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  const answer = await inFlight;
  expect(answer.status).toBe(201);
  expect(answer.headers.get('connection')).toBe('close');
  await stopping;
  expect(store.items.size).toBe(1);
});
