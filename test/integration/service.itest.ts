/**
 * The service as deployed (the esbuild bundle, in a process of its own) on both storage adapters on
 * real engines at once: PostgreSQL (a throwaway cluster) and DynamoDB (dynalite), each with a real
 * Redis as its read cache, and sessions in a shared store as stage 6 keeps them: in the cache beside
 * PostgreSQL, in a DynamoDB table beside DynamoDB. No in-memory databases, no hand-written fakes:
 * what passes here is what the stages run.
 *
 * Every answer is checked against the service's own OpenAPI document, and the last test requires
 * that every answer the document lists was seen. The hostile inputs the issue lists get the same
 * answer, and store the same value, on both adapters, and never a 500.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { createClient } from 'redis';
import { type DynamoDb, type Postgres, type Redis, startDynamoDb, startPostgres, startRedis, startTogether } from '../../lib/engines';
import { openApiDocument } from '../../service/src/openapi';
import { SESSION_COOKIE } from '../../service/src/session-cookie';
import { type Answer, Conformance } from '../service/support/conformance';
import { json, type Sent, send } from '../service/support/http';
import { logCaughtUp, type ServiceProcess, startService, storeEnvironment, UNHURRIED_CACHE } from './support/service-process';

const KINDS = ['postgresql', 'dynamodb'] as const;
type Kind = (typeof KINDS)[number];
const VERSION = 'integration';
const JSON_TYPE = { 'Content-Type': 'application/json' };
const conformance = new Conformance(openApiDocument(VERSION));

let postgres: Postgres;
let dynamodb: DynamoDb;
let redis: Redis;
const services = {} as Record<Kind, ServiceProcess>;

beforeAll(async () => {
  [postgres, dynamodb, redis] = await startTogether(startPostgres(), startDynamoDb('items', 'sessions'), startRedis());
  const common = { CACHE_URL: redis.url, CACHE_TTL_SECONDS: '30', VERSION, ...UNHURRIED_CACHE };
  [services.postgresql, services.dynamodb] = await startTogether(
    startService({ ...storeEnvironment.postgresql(postgres), ...common, SESSION_STORE: 'cache' }, { ready: true }),
    startService(
      { ...storeEnvironment.dynamodb(dynamodb), ...common, SESSION_STORE: 'dynamodb', SESSION_TABLE: 'sessions' },
      { ready: true },
    ),
  );
});

afterAll(async () => {
  await Promise.all(KINDS.map((kind) => services[kind]?.terminate()));
  await redis?.stop();
  postgres?.destroy();
  await dynamodb?.stop();
});

/** One request to one adapter's service; the answer must be what the OpenAPI document says. */
async function call(kind: Kind, method: string, target: string, sent: Sent = {}): Promise<Answer> {
  const answer = await send(services[kind].base, target, { ...sent, method });
  expect({ [`${kind} ${method} ${target.slice(0, 100)}`]: conformance.problems(answer) }).toEqual({
    [`${kind} ${method} ${target.slice(0, 100)}`]: [],
  });
  return answer;
}
/**
 * A request as a client of the API makes it: a 503 says when to try again (Retry-After), and is tried
 * again then, a few times at most. A burst of 50 on a loaded two-core machine can keep a store call
 * past its deadline (DynamoDB's is 3 s: 50 writes at once took 2.2 to 3.6 s at a load of 19), and the
 * service's answer to that is a 503, by design; what the burst must never do is lose or mix up a write.
 */
async function asClientsDo(request: () => Promise<Answer>, tries = 4): Promise<Answer> {
  for (let i = 1; ; i++) {
    const answer = await request();
    if (answer.status !== 503 || i === tries) return answer;
    expect(answer.headers['retry-after']).toBe('2');
    await new Promise((r) => setTimeout(r, Number(answer.headers['retry-after']) * 1000));
  }
}
const both = (method: string, target: string, sent: Sent = {}) => Promise.all(KINDS.map((kind) => call(kind, method, target, sent)));
/** What may differ between the adapters' answers: ids, times, latencies, the store's name. */
const comparable = (answer: Answer) => {
  if (answer.body === '' || answer.method === 'HEAD') return { status: answer.status };
  const body = json(answer);
  if (typeof body.id === 'string') return { status: answer.status, body: { ...body, id: '<id>', createdAt: '<time>' } };
  return { status: answer.status, body };
};

describe.each(KINDS)('on %s, with Redis', (kind) => {
  test('GET /healthz and GET / answer; GET / names the region, data store, cache and session store; every answer says who gave it', async () => {
    expect(json(await call(kind, 'GET', '/healthz'))).toEqual({ status: 'ok' });
    const identity = await call(kind, 'GET', '/');
    expect(json(identity)).toMatchObject({
      service: 'zero-to-millions',
      stage: 'integration',
      version: VERSION,
      region: kind === 'dynamodb' ? 'us-east-1' : 'local',
      dataStore: kind,
      cache: 'local',
      sessions: kind === 'dynamodb' ? 'dynamodb' : 'cache',
    });
    expect([identity.headers['x-stage'], identity.headers['x-region'], identity.headers['x-served-by']]).toEqual([
      'integration',
      json(identity).region,
      json(identity).host,
    ]);
  });

  test('GET /readyz: store and cache answer, with their latencies, and no address of the data tier', async () => {
    const ready = await call(kind, 'GET', '/readyz');
    expect(json(ready)).toEqual({
      status: 'ready',
      dataStore: { kind, ok: true, ms: expect.any(Number) },
      cache: { ok: true, ms: expect.any(Number), reads: expect.objectContaining({ hits: expect.any(Number) }) },
      sessions: { kind: kind === 'dynamodb' ? 'dynamodb' : 'cache', ok: true, ms: expect.any(Number) },
    });
    for (const secret of ['127.0.0.1', String(redis.port), String(postgres.port), new URL(dynamodb.endpoint).port])
      expect(ready.body).not.toContain(secret);
    expect((await call(kind, 'HEAD', '/readyz')).status).toBe(200);
  });

  test('POST /items then GET /items/:id: a miss from the store, then a hit from Redis with a TTL; ETag and 304; HEAD', async () => {
    const created = await call(kind, 'POST', '/items', {
      headers: JSON_TYPE,
      body: JSON.stringify({ name: 'widget', attributes: { colour: 'blue', size: 3, sale: false } }),
    });
    const item = json(created);
    expect([created.status, item]).toEqual([
      201,
      { id: expect.any(String), name: 'widget', attributes: { colour: 'blue', size: 3, sale: false }, createdAt: expect.any(String) },
    ]);
    const miss = await call(kind, 'GET', `/items/${item.id}`);
    const hit = await call(kind, 'GET', `/items/${item.id}`);
    expect([miss.headers['x-data-cache'], hit.headers['x-data-cache'], json(miss), json(hit)]).toEqual(['miss', 'hit', item, item]);
    // Who answered: PostgreSQL without readers is the writer, DynamoDB the table; then the cache.
    const store = kind === 'dynamodb' ? 'table' : 'writer';
    const unknown = await call(kind, 'GET', `/items/${randomUUID()}`);
    expect([miss, hit, unknown].map((a) => [a.status, a.headers['x-data-source']])).toEqual([
      [200, store],
      [200, 'cache'],
      [404, store],
    ]);
    expect([hit.headers.etag, hit.headers['cache-control']]).toEqual([`"i1-${item.id}"`, 'public, max-age=31536000, immutable']);
    const notModified = await call(kind, 'GET', `/items/${item.id}`, { headers: { 'If-None-Match': hit.headers.etag as string } });
    expect([notModified.status, notModified.body]).toEqual([304, '']);
    expect((await call(kind, 'HEAD', `/items/${item.id}`, { headers: { 'If-None-Match': '*' } })).status).toBe(304);
    const head = await call(kind, 'HEAD', `/items/${item.id}`);
    expect([head.status, head.body, head.headers['content-length']]).toEqual([200, '', hit.headers['content-length']]);

    const client = createClient({ url: redis.url });
    await client.connect();
    const [ttl, cached] = [await client.ttl(`item:${item.id}`), await client.get(`item:${item.id}`)];
    await client.close();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30);
    expect(JSON.parse(cached!)).toEqual(item);
  });

  test('an id in upper case or percent-encoded moves (301, never stored) to the one address the item is served and cached at (on each store)', async () => {
    const item = json(await call(kind, 'POST', '/items', { headers: JSON_TYPE, body: '{"name":"one address"}' }));
    for (const other of [
      item.id.toUpperCase(),
      item.id.replace(/-/g, '%2D'),
      `%${item.id.charCodeAt(0).toString(16)}${item.id.slice(1)}`,
    ]) {
      const moved = await call(kind, 'GET', `/items/${other}`);
      expect([moved.status, moved.headers.location, moved.headers['cache-control']]).toEqual([301, `/items/${item.id}`, 'no-store']);
    }
    expect((await call(kind, 'HEAD', `/items/${item.id.toUpperCase()}`)).status).toBe(301);
    const canonical = await call(kind, 'GET', `/items/${item.id}`);
    expect([canonical.status, json(canonical)]).toEqual([200, item]);
  });

  test('many concurrent writes are all stored and readable', async () => {
    const created = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        asClientsDo(() => call(kind, 'POST', '/items', { headers: JSON_TYPE, body: JSON.stringify({ name: `n${i}` }) })),
      ),
    );
    expect(created.map((c) => c.status)).toEqual(Array(50).fill(201));
    const read = await Promise.all(created.map((c) => asClientsDo(() => call(kind, 'GET', `/items/${json(c).id}`))));
    expect(read.map((r) => [r.status, json(r).name])).toEqual(created.map((c) => [200, json(c).name]));
  });

  test('sessions: started, read (HEAD too), noted, ended; bad and unknown cookies are 4xx; every answer as documented', async () => {
    const started = await call(kind, 'POST', '/sessions');
    const id = /^__Host-ztm-session=([A-Za-z0-9_-]{43});/.exec(String(started.headers['set-cookie']))![1];
    const cookie = (value: string) => ({ headers: { Cookie: `${SESSION_COOKIE}=${value}`, ...JSON_TYPE } });
    const item = json(await call(kind, 'POST', '/items', { ...cookie(id), body: '{"name":"in a session"}' }));
    const viewed = await call(kind, 'POST', '/session/views', { ...cookie(id), body: JSON.stringify({ id: item.id }) });
    expect(json(viewed).recent.map((r: { action: string }) => r.action)).toEqual(['viewed']);
    expect(json(await call(kind, 'GET', '/session', cookie(id))).recent[0]).toMatchObject({ id: item.id, action: 'viewed' });
    expect((await call(kind, 'HEAD', '/session', cookie(id))).status).toBe(200);
    for (const method of ['GET', 'HEAD', 'DELETE']) {
      expect((await call(kind, method, '/session', cookie('not a session id'))).status).toBe(400);
      expect((await call(kind, method, '/session')).status).toBe(401);
    }
    expect((await call(kind, 'POST', '/session/views', cookie('bad'))).status).toBe(400);
    expect((await call(kind, 'POST', '/session/views', { headers: JSON_TYPE, body: `{"id":"${item.id}"}` })).status).toBe(401);
    expect(
      (await call(kind, 'POST', '/session/views', { ...cookie(id), headers: { Cookie: `${SESSION_COOKIE}=${id}` }, body: '{}' })).status,
    ).toBe(415);
    expect((await call(kind, 'POST', '/session/views', { ...cookie(id), body: JSON.stringify({ id: 'x'.repeat(20_000) }) })).status).toBe(
      413,
    );
    // Another site's page changes nothing: every write is a 403, and the session is still there.
    const elsewhere = (more: Sent = {}) => ({
      ...more,
      headers: { ...more.headers, 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' },
    });
    for (const [method, target] of [
      ['POST', '/sessions'],
      ['POST', '/items'],
      ['POST', '/session/views'],
      ['DELETE', '/session'],
    ])
      expect(json(await call(kind, method, target, elsewhere({ ...cookie(id), body: '{}' })))).toMatchObject({
        header: 'Sec-Fetch-Site',
        value: 'cross-site',
      });
    expect((await call(kind, 'GET', '/session', cookie(id))).status).toBe(200);
    expect((await call(kind, 'DELETE', '/session', cookie(id))).status).toBe(200);
    expect((await call(kind, 'GET', '/session', cookie(id))).status).toBe(401);
  });

  test('one JSON log line per request, with its request id, and never a query string', async () => {
    const answer = await call(kind, 'GET', '/healthz?token=secret', { headers: { 'X-Request-Id': `trace-${kind}` } });
    expect(answer.headers['x-request-id']).toBe(`trace-${kind}`);
    await logCaughtUp(services[kind]);
    const line = services[kind].logs.find((l) => l.requestId === `trace-${kind}`);
    expect(line).toEqual({
      time: expect.any(String),
      level: 'info',
      requestId: `trace-${kind}`,
      method: 'GET',
      path: '/healthz',
      status: 200,
      ms: expect.any(Number),
      bytes: 15,
    });
    expect(JSON.stringify(services[kind].logs)).not.toContain('secret');
  });
});

test("over PostgreSQL's Unix socket, as stage 1 reaches its local database", async () => {
  const local = await startService({ ...storeEnvironment.postgresql(postgres), DB_HOST: postgres.socketDirectory });
  try {
    const created = await send(local.base, '/items', { method: 'POST', headers: JSON_TYPE, body: '{"name":"local"}' });
    expect([created.status, json(await send(local.base, `/items/${json(created).id}`)).name]).toEqual([201, 'local']);
  } finally {
    await local.terminate();
  }
});

test('a second signal during the drain (Ctrl-C reaches every process of a group, and launchers relay it) does not cut it short', async () => {
  const own = await startService({ ...storeEnvironment.postgresql(postgres) });
  // An idle keep-alive connection: the drain gives it IDLE_GRACE_MS (1 s), time for the signals below.
  const socket = connect(own.port, '127.0.0.1');
  await new Promise<void>((resolve) => {
    socket.once('data', () => resolve());
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  });
  try {
    own.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 200));
    own.child.kill('SIGINT');
    own.child.kill('SIGTERM');
    expect([await own.exited, own.child.signalCode]).toEqual([0, null]);
    expect(own.logs.map((l) => l.msg).filter((m) => m === 'draining' || m === 'stopped')).toEqual(['draining', 'stopped']);
  } finally {
    socket.destroy();
    await own.terminate();
  }
});

describe('hostile input: never a 500, and the same answer and the same stored value on both adapters', () => {
  // (Every row has four cells: jest takes a fourth parameter a row lacks for its `done` callback.)
  const cases: [string, string, string, Sent][] = [
    ['a malformed percent-encoding', 'GET', '/items/%ZZ', {}],
    ['a lone %', 'GET', '/items/%', {}],
    ['a %u escape', 'GET', '/items/%u0041', {}],
    ['an overlong UTF-8 dot', 'GET', '/items/%C0%AE', {}],
    ['a doubled slash', 'GET', '//healthz', {}],
    ['a doubled slash before a POST route', 'POST', '//x/items', { headers: JSON_TYPE, body: '{"name":"x"}' }],
    ['HEAD on a GET route', 'HEAD', '/healthz', {}],
    ['text/plain', 'POST', '/items', { headers: { 'Content-Type': 'text/plain' }, body: '{"name":"x"}' }],
    ['gzip', 'POST', '/items', { headers: { ...JSON_TYPE, 'Content-Encoding': 'gzip' }, body: '\u001f\u008b' }],
    [
      'a body nested 5,000 deep',
      'POST',
      '/items',
      { headers: JSON_TYPE, body: `{"name":"x","attributes":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}` },
    ],
    ['a NUL in the name', 'POST', '/items', { headers: JSON_TYPE, body: '{"name":"a\\u0000b"}' }],
    ['a NUL in an attribute', 'POST', '/items', { headers: JSON_TYPE, body: '{"name":"x","attributes":{"a":"\\u0000"}}' }],
    ['a lone surrogate', 'POST', '/items', { headers: JSON_TYPE, body: '{"name":"x\\ud800"}' }],
    ['12345678901234567890', 'POST', '/items', { headers: JSON_TYPE, body: '{"name":"x","attributes":{"n":12345678901234567890}}' }],
    ['1e200', 'POST', '/items', { headers: JSON_TYPE, body: '{"name":"x","attributes":{"n":1e200}}' }],
    ['1e-200', 'POST', '/items', { headers: JSON_TYPE, body: '{"name":"x","attributes":{"n":1e-200}}' }],
    ['the key __proto__', 'POST', '/items', { headers: JSON_TYPE, body: '{"name":"x","attributes":{"__proto__":1}}' }],
  ];
  test.each(cases)('%s', async (_case, method, target, sent) => {
    const answers = await both(method, target, sent);
    expect(answers.every((a) => a.status < 500)).toBe(true);
    expect(comparable(answers[1])).toEqual(comparable(answers[0]));
  });

  test('what both can hold is stored and read back the same on both: Unicode, numbers on the limits, every kind of value', async () => {
    const body = JSON.stringify({
      name: 'é😀 \u2028 "quoted" \\ <tag> \u0001',
      attributes: {
        tiny: 1e-130,
        negativeTiny: -1e-130,
        small: 1e-7,
        big: Number.MAX_SAFE_INTEGER,
        negative: -Number.MAX_SAFE_INTEGER,
        fraction: 0.1,
        zero: 0,
        minusZero: -0,
        yes: true,
        no: false,
        empty: '',
        emoji: '😀'.repeat(1000),
        ['k😀'.repeat(21)]: 'x',
        constructor: 'c',
        hasOwnProperty: 'h',
        toString: 't',
        toJSON: 'j',
      },
    });
    const created = await both('POST', '/items', { headers: JSON_TYPE, body });
    expect(created.map((c) => c.status)).toEqual([201, 201]);
    const read = await Promise.all(KINDS.map((kind, i) => call(kind, 'GET', `/items/${json(created[i]).id}`)));
    expect(comparable(read[1])).toEqual(comparable(read[0]));
    expect(comparable(read[0]).body).toEqual(comparable(created[0]).body);
  });
});

/** Every session route, with a session started before the store went away: each must be a 503. */
async function sessionRoutesUnavailable(kind: Kind, id: string) {
  const cookie = { Cookie: `${SESSION_COOKIE}=${id}` };
  for (const [method, target, sent] of [
    ['POST', '/sessions', {}],
    ['GET', '/session', { headers: cookie }],
    ['HEAD', '/session', { headers: cookie }],
    ['DELETE', '/session', { headers: cookie }],
    ['POST', '/session/views', { headers: { ...cookie, ...JSON_TYPE }, body: '{"id":"0f8fad5b-d9cb-469f-a165-70867728950e"}' }],
  ] as const) {
    const answer = await call(kind, method, target, sent as Sent);
    expect([kind, method, target, answer.status, answer.headers['retry-after']]).toEqual([kind, method, target, 503, '2']);
  }
}
const startSession = async (kind: Kind) =>
  /^__Host-ztm-session=([A-Za-z0-9_-]{43});/.exec(String((await call(kind, 'POST', '/sessions')).headers['set-cookie']))![1];

describe('when things go away', () => {
  test('the cache goes away: reads never fail (X-Data-Cache: unavailable), /readyz says degraded (200); sessions in it are 503s, items are not', async () => {
    const created = await both('POST', '/items', { headers: JSON_TYPE, body: '{"name":"survivor"}' });
    const session = await startSession('postgresql');
    await redis.stop();
    for (const [i, kind] of KINDS.entries()) {
      const read = await call(kind, 'GET', `/items/${json(created[i]).id}`);
      expect([json(read).name, read.headers['x-data-cache']]).toEqual(['survivor', 'unavailable']);
      expect(json(await call(kind, 'GET', '/readyz'))).toMatchObject({ status: 'degraded', dataStore: { ok: true }, cache: { ok: false } });
    }
    expect(json(await call('postgresql', 'GET', '/readyz')).sessions).toMatchObject({ kind: 'cache', ok: false });
    await sessionRoutesUnavailable('postgresql', session);
    expect((await call('postgresql', 'POST', '/items', { headers: JSON_TYPE, body: '{"name":"still written"}' })).status).toBe(201);
  });

  test('the store goes away: 503 with Retry-After on every route that needs it, /readyz not ready', async () => {
    const [unread] = await both('POST', '/items', { headers: JSON_TYPE, body: '{"name":"unread"}' }).then((a) => a.map((x) => json(x).id));
    const session = await startSession('dynamodb');
    postgres.stop();
    await dynamodb.stop();
    // The session table was on the same DynamoDB: its routes are 503s too.
    await sessionRoutesUnavailable('dynamodb', session);
    for (const kind of KINDS) {
      const id = kind === 'postgresql' ? unread : '00000000-0000-4000-8000-000000000000';
      for (const [method, target, sent] of [
        ['POST', '/items', { headers: JSON_TYPE, body: '{"name":"x"}' }],
        ['GET', `/items/${id}`],
        ['HEAD', `/items/${id}`],
        ['GET', '/readyz'],
        ['HEAD', '/readyz'],
      ] as const) {
        const answer = await call(kind, method, target, sent as Sent);
        expect([kind, method, target, answer.status, answer.headers['retry-after']]).toEqual([kind, method, target, 503, '2']);
      }
    }
  });
});

test('every answer the OpenAPI document lists was seen, and matched it', async () => {
  // The suites above reach most; these reach the rest (the engines are down by now: identity and health do not need them).
  for (const kind of KINDS) {
    for (const target of ['/', '/healthz', '/openapi.json']) await call(kind, 'HEAD', target);
    expect(json(await call(kind, 'GET', '/openapi.json'))).toEqual(openApiDocument(VERSION));
    await call(kind, 'GET', '/items/00000000-0000-4000-8000-00000000000g');
    await call(kind, 'HEAD', '/items/not-an-id');
    await call(kind, 'POST', '/items', { headers: JSON_TYPE, body: JSON.stringify({ name: 'x'.repeat(20_000) }) });
  }
  const missing = conformance.documented().filter((answer) => !conformance.covered().includes(answer));
  expect(missing).toEqual([]);
});
