/**
 * One behavioural suite, run against both storage adapters on real engines: PostgreSQL (a
 * throwaway cluster) and DynamoDB (dynalite), each with a real Redis as the read cache. No in-memory
 * databases, no hand-written fakes: what passes here is what the stages run.
 */
import { createClient } from 'redis';
import { Running, start } from '../../service/src/server';
import { readSettings } from '../../service/src/settings';
import { DynamoDb, Postgres, Redis, startDynamoDb, startPostgres, startRedis } from '../../lib/engines';

type Engines = { postgres?: Postgres; dynamodb?: DynamoDb; redis: Redis };

const environments: Record<string, (e: Engines) => NodeJS.ProcessEnv> = {
  postgresql: (e) => ({ DATA_STORE: 'postgresql-local', DB_HOST: '127.0.0.1', DB_PORT: String(e.postgres!.port), DB_NAME: 'app', DB_USER: e.postgres!.user, DB_PASSWORD: e.postgres!.password }),
  dynamodb: (e) => ({ DATA_STORE: 'dynamodb', TABLE_NAME: e.dynamodb!.tableName, AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: e.dynamodb!.endpoint }),
};

describe.each(Object.keys(environments))('the service on %s, with Redis', (kind) => {
  const engines = {} as Engines;
  let service: Running;
  let base: string;
  const logs: Record<string, unknown>[] = [];
  const call = async (method: string, path: string, body?: string) => {
    const response = await fetch(`${base}${path}`, { method, body });
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    engines.redis = await startRedis();
    if (kind === 'postgresql') engines.postgres = await startPostgres();
    else engines.dynamodb = await startDynamoDb();
    const settings = readSettings({ ...environments[kind](engines), CACHE_URL: engines.redis.url, PORT: '0', LISTEN_HOST: '127.0.0.1', STAGE: 'integration', CACHE_TTL_SECONDS: '30' });
    service = await start(settings, { log: (l) => logs.push(l) });
    base = `http://127.0.0.1:${service.port}`;
  });

  afterAll(async () => {
    await service?.stop();
    await engines.redis?.stop();
    engines.postgres?.destroy();
    await engines.dynamodb?.stop();
  });

  test('GET /healthz and GET / answer; GET / names the data store and the cache', async () => {
    expect(await call('GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect((await call('GET', '/')).body).toMatchObject({ service: 'zero-to-millions', stage: 'integration', dataStore: kind, cache: 'on' });
  });

  test('GET /readyz: store and cache reachable, with their latencies', async () => {
    expect(await call('GET', '/readyz')).toMatchObject({
      status: 200,
      body: { status: 'ready', dataStore: { kind, ok: true, ms: expect.any(Number) }, cache: { ok: true, ms: expect.any(Number) } },
    });
  });

  test('POST /items then GET /items/:id: a miss from the store, then a hit from Redis with a TTL', async () => {
    const created = await call('POST', '/items', JSON.stringify({ name: 'widget', attributes: { colour: 'blue', size: 3, sale: false } }));
    expect(created).toMatchObject({ status: 201, body: { id: expect.any(String), name: 'widget', attributes: { colour: 'blue', size: 3, sale: false } } });
    const miss = await call('GET', `/items/${created.body.id}`);
    const hit = await call('GET', `/items/${created.body.id}`);
    expect([miss.status, miss.headers.get('x-cache'), hit.status, hit.headers.get('x-cache')]).toEqual([200, 'miss', 200, 'hit']);
    expect(miss.body).toEqual(created.body);
    expect(hit.body).toEqual(created.body);

    const redis = createClient({ url: engines.redis.url });
    await redis.connect();
    const ttl = await redis.ttl(`item:${created.body.id}`);
    await redis.close();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30);
  });

  test('a write invalidates whatever the cache held for its key', async () => {
    const created = await call('POST', '/items', '{"name":"fresh"}');
    const redis = createClient({ url: engines.redis.url });
    await redis.connect();
    expect(await redis.exists(`item:${created.body.id}`)).toBe(0);
    await redis.close();
  });

  test('unknown ids are 404; bad input is 400 or 413; unknown routes 404', async () => {
    expect((await call('GET', '/items/6f1c1b0e-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await call('POST', '/items', '{"name":')).status).toBe(400);
    expect((await call('POST', '/items', '{"name":""}')).body.error).toMatch(/^name: got ""/);
    expect((await call('POST', '/items', JSON.stringify({ name: 'x'.repeat(20_000) }))).status).toBe(413);
    expect((await call('GET', '/items')).status).toBe(405);
    expect((await call('GET', '/missing')).status).toBe(404);
  });

  test('many concurrent writes are all stored and readable', async () => {
    const created = await Promise.all(Array.from({ length: 50 }, (_, i) => call('POST', '/items', JSON.stringify({ name: `n${i}` }))));
    expect(created.map((c) => c.status)).toEqual(Array(50).fill(201));
    const read = await Promise.all(created.map((c) => call('GET', `/items/${c.body.id}`)));
    expect(read.map((r) => r.body.name)).toEqual(created.map((c) => c.body.name));
  });

  test('a cache that goes away never fails reads; /readyz reports it', async () => {
    const created = await call('POST', '/items', '{"name":"survivor"}');
    await engines.redis.stop();
    expect(await call('GET', `/items/${created.body.id}`)).toMatchObject({ status: 200, body: { name: 'survivor' } });
    expect(await call('GET', '/readyz')).toMatchObject({ status: 503, body: { dataStore: { ok: true }, cache: { ok: false } } });
  });

  test('one JSON log line per request', () => {
    const requests = logs.filter((l) => l.method);
    expect(requests.length).toBeGreaterThan(60);
    for (const line of requests) expect(line).toEqual({ level: expect.any(String), method: expect.any(String), path: expect.any(String), status: expect.any(Number), ms: expect.any(Number), bytes: expect.any(Number) });
  });
});
