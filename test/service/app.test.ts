/**
 * The app (service/src/app.ts) on a loopback HTTP server, with in-memory doubles for the store and
 * the cache: routing, headers, request ids, caching headers, validation answers, error mapping and
 * the request log. (That every answer matches the OpenAPI document, each documented one reached,
 * is checked on real engines in test/integration/service.itest.ts.)
 */
import { randomUUID } from 'node:crypto';
import { Agent, createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { createApp, LOGGED_PATH_LENGTH, SESSION_CHANGE_ATTEMPTS } from '../../service/src/app';
import { Log } from '../../service/src/log';
import { CACHE_CONTROL, openApiDocument } from '../../service/src/openapi';
import { SESSION_COOKIE } from '../../service/src/session-cookie';
import { MemorySessions, type SessionStore } from '../../service/src/sessions';
import type { Answer } from './support/conformance';
import { ContestedSessions, FailingSessions, MemoryCache, MemoryStore, ReplicatedMemoryStore } from './support/doubles';
import { json, type Sent, send } from './support/http';

/** What every answer carries, whatever it is. */
function everyAnswer(answer: Answer): string[] {
  const h = answer.headers;
  return [
    !/^[\w.:/+=@-]{1,128}$/.test(String(h['x-request-id'])) && `X-Request-Id: ${h['x-request-id']}`,
    h['x-content-type-options'] !== 'nosniff' && `X-Content-Type-Options: ${h['x-content-type-options']}`,
    !(Object.values(CACHE_CONTROL) as string[]).includes(String(h['cache-control'])) && `Cache-Control: ${h['cache-control']}`,
    answer.status >= 400 && h['cache-control'] !== 'no-store' && `Cache-Control ${h['cache-control']} on a ${answer.status}`,
    answer.status !== 304 && h['content-type'] !== 'application/json' && `Content-Type: ${h['content-type']}`,
    answer.status !== 304 && answer.method !== 'HEAD' && !isJson(answer.body) && `not JSON: ${answer.body.slice(0, 60)}`,
    // Who answered: on every answer, so a page, a curl or a CDN log can tell.
    (h['x-stage'] !== 'Stage3-LoadBalanced' || h['x-region'] !== 'eu-west-1' || h['x-served-by'] !== 'i-0abc') &&
      `answered by: ${h['x-stage']} ${h['x-region']} ${h['x-served-by']}`,
  ].filter((p): p is string => typeof p === 'string');
}
const isJson = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};
const JSON_TYPE = { 'Content-Type': 'application/json' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function serve<S extends MemoryStore = MemoryStore>(
  options: {
    cache?: MemoryCache;
    bodyLimitBytes?: number;
    store?: S;
    sessions?: SessionStore;
    sessionTtlSeconds?: number;
    readyReuseMs?: number;
    trustedOrigins?: string[];
  } = {},
) {
  const store = options.store ?? (new MemoryStore() as S);
  const lines: string[] = [];
  const handle = createApp({
    store,
    cache: options.cache,
    cacheTtlSeconds: 60,
    sessions: options.sessions,
    sessionTtlSeconds: options.sessionTtlSeconds ?? 3600,
    bodyLimitBytes: options.bodyLimitBytes ?? 1024,
    identity: { stage: 'Stage3-LoadBalanced', host: 'i-0abc', version: '1.2.3', region: 'eu-west-1' },
    log: new Log((line) => lines.push(line)),
    readyDeadlineMs: 200,
    readyReuseMs: options.readyReuseMs,
    trustedOrigins: options.trustedOrigins,
  });
  const server: Server = createServer(handle);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  servers.add(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  /** Sends a request; the answer must carry what every answer carries. */
  const call = async (method: string, target: string, sent: Sent = {}): Promise<Answer> => {
    const answer = await send(base, target, { agent, ...sent, method });
    expect({ [`${method} ${target}`]: everyAnswer(answer) }).toEqual({ [`${method} ${target}`]: [] });
    return answer;
  };
  const post = (body: string, headers: Record<string, string> = JSON_TYPE) => call('POST', '/items', { body, headers });
  const logs = () => lines.map((line) => JSON.parse(line));
  const close = () => {
    agent.destroy();
    servers.delete(server);
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  };
  return { store, base, call, post, logs, close };
}

/** Servers of tests that failed before closing theirs. */
const servers = new Set<Server>();
afterAll(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

describe('routes', () => {
  let s: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => (s = await serve({ cache: new MemoryCache() })));
  afterAll(() => s.close());
  // One server for the group: a test that fails while its store is down must not fail the ones after it.
  afterEach(() => {
    s.store.down = undefined;
  });

  test('GET /healthz answers without touching the store, and is never cached', async () => {
    s.store.down = new Error('connect ECONNREFUSED');
    const answer = await s.call('GET', '/healthz');
    s.store.down = undefined;
    expect([answer.status, json(answer), answer.headers['cache-control']]).toEqual([200, { status: 'ok' }, 'no-store']);
  });

  test('GET / says which stage, region, host, data store, cache, session store and version answered', async () => {
    expect(json(await s.call('GET', '/'))).toEqual({
      service: 'zero-to-millions',
      stage: 'Stage3-LoadBalanced',
      host: 'i-0abc',
      version: '1.2.3',
      region: 'eu-west-1',
      dataStore: 'postgresql',
      cache: 'local',
      sessions: 'memory',
    });
  });

  test('GET /openapi.json serves the document built from the validation limits', async () => {
    const answer = await s.call('GET', '/openapi.json');
    expect(json(answer)).toEqual(openApiDocument('1.2.3'));
    expect(answer.headers['cache-control']).toBe('public, max-age=300');
  });

  test('POST /items stores a valid item: 201, Location, never cached; GET returns it with a strong ETag, cacheable for a year', async () => {
    const created = await s.post(JSON.stringify({ name: 'first', attributes: { colour: 'blue', size: 3, sale: true } }));
    const item = json(created);
    expect(created.status).toBe(201);
    expect(item).toEqual({
      id: expect.stringMatching(UUID),
      name: 'first',
      attributes: { colour: 'blue', size: 3, sale: true },
      createdAt: expect.any(String),
    });
    expect([created.headers.location, created.headers['cache-control']]).toEqual([`/items/${item.id}`, 'no-store']);
    const read = await s.call('GET', `/items/${item.id}`);
    expect([read.status, json(read)]).toEqual([200, item]);
    expect([read.headers.etag, read.headers['cache-control']]).toEqual([`"i1-${item.id}"`, 'public, max-age=31536000, immutable']);
  });

  test('an id in upper case or percent-encoded is a 301 to its one canonical address, never stored, without reading the store', async () => {
    // An id with letters in every group, so each spelling below differs from it (a random id's first
    // eight hex digits are all digits once in 43, and then upper-casing them changes nothing).
    const item = { id: 'c0ffee00-5eed-4bad-8a11-decafbad0001', name: 'one address', attributes: {}, createdAt: new Date().toISOString() };
    await s.store.put(item);
    s.store.down = new Error('the store must not be asked');
    const percent = [...item.id].map((c, i) => (i % 3 === 0 ? `%${c.charCodeAt(0).toString(16).toUpperCase()}` : c)).join('');
    for (const other of [
      item.id.toUpperCase(),
      `${item.id.slice(0, 9).toUpperCase()}${item.id.slice(9)}`,
      percent,
      encodeURIComponent(item.id).replace('-', '%2d'),
    ]) {
      for (const method of ['GET', 'HEAD']) {
        const moved = await s.call(method, `/items/${other}?x=1`);
        expect([other, method, moved.status, moved.headers.location, moved.headers['cache-control']]).toEqual([
          other,
          method,
          301,
          `/items/${item.id}`,
          'no-store',
        ]);
        if (method === 'GET')
          expect(json(moved)).toEqual({
            location: `/items/${item.id}`,
            reason: 'an item has one address: its id in lower case, not percent-encoded',
          });
      }
    }
    s.store.down = undefined;
    // The canonical address itself is the item; an id that does not exist moves all the same (the move is only its spelling).
    expect(json(await s.call('GET', `/items/${item.id}`))).toEqual(item);
    const missing = '0F8FAD5B-D9CB-469F-A165-70867728950E';
    expect((await s.call('GET', `/items/${missing}`)).headers.location).toBe(`/items/${missing.toLowerCase()}`);
  });

  test('If-None-Match with the item ETag (strong, weak, in a list, or *) is a 304 without a body; another tag is a 200', async () => {
    const item = json(await s.post('{"name":"tagged"}'));
    const etag = `"i1-${item.id}"`;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const answer = await s.call('GET', `/items/${item.id}`, { headers: { 'If-None-Match': ifNoneMatch } });
      expect([ifNoneMatch, answer.status, answer.body, answer.headers.etag, answer.headers['content-type']]).toEqual([
        ifNoneMatch,
        304,
        '',
        etag,
        undefined,
      ]);
    }
    expect(
      (await s.call('GET', `/items/${item.id}`, { headers: { 'If-None-Match': '"i1-00000000-0000-4000-8000-000000000000"' } })).status,
    ).toBe(200);
    // * needs an item to match: an unknown one is still a 404.
    expect((await s.call('GET', '/items/00000000-0000-4000-8000-000000000000', { headers: { 'If-None-Match': '*' } })).status).toBe(404);
  });

  test('HEAD is answered wherever GET is: the same status and headers, no body', async () => {
    const item = json(await s.post('{"name":"head"}'));
    for (const target of ['/healthz', '/', '/readyz', '/openapi.json', `/items/${item.id}`]) {
      const [get, head] = [await s.call('GET', target), await s.call('HEAD', target)];
      // (/readyz reports latencies, so its length may differ by a digit.)
      const length = target === '/readyz' ? expect.stringMatching(/^\d+$/) : get.headers['content-length'];
      expect([target, head.status, head.body, head.headers['content-length']]).toEqual([target, get.status, '', length]);
    }
  });

  test('X-Request-Id: a well-formed one is kept, anything else replaced by a new UUID; it is on every answer and in the log line', async () => {
    expect((await s.call('GET', '/healthz', { headers: { 'X-Request-Id': 'trace-1.2:3/abc=+@_' } })).headers['x-request-id']).toBe(
      'trace-1.2:3/abc=+@_',
    );
    for (const bad of ['x'.repeat(129), 'has space', 'a"quote', 'é', ['one', 'two']]) {
      expect((await s.call('GET', '/healthz', { headers: { 'X-Request-Id': bad } })).headers['x-request-id']).toMatch(UUID);
    }
    const answers = [await s.call('GET', '/nowhere'), await s.post('{}'), await s.call('DELETE', '/healthz')];
    const ids = answers.map((a) => a.headers['x-request-id']);
    expect(ids.every((id) => UUID.test(String(id)))).toBe(true);
    expect(
      s
        .logs()
        .slice(-3)
        .map((l) => l.requestId),
    ).toEqual(ids);
  });

  test('unknown routes are 404 naming the routes; wrong methods 405 with Allow; a target that is not a path 400', async () => {
    const missing = await s.call('GET', '/nowhere');
    expect([missing.status, json(missing).error]).toEqual([
      404,
      'no route GET "/nowhere"; routes: GET /, GET /healthz, GET /readyz, GET /openapi.json, POST /items, GET /items/:id, POST /sessions, GET /session, DELETE /session, POST /session/views',
    ]);
    const wrong = await s.call('DELETE', '/items');
    expect([wrong.status, wrong.headers.allow, json(wrong).error]).toEqual([
      405,
      'POST',
      'DELETE is not allowed on "/items"; allowed: POST',
    ]);
    expect((await s.call('POST', '/healthz')).headers.allow).toBe('GET, HEAD');
    expect((await s.call('OPTIONS', '/items/00000000-0000-4000-8000-000000000000')).status).toBe(405);
    const star = await s.call('OPTIONS', '*');
    expect([star.status, json(star).error]).toEqual([400, 'request target: got "*"; allowed: a path beginning with /']);
  });

  test('paths are taken as sent: // is not /, percent-encoding that is not a UUID is a 404, never a 500', async () => {
    expect((await s.call('GET', '//healthz')).status).toBe(404);
    expect(
      (await s.post('{"name":"x"}').then(() => s.call('POST', '//x/items', { body: '{"name":"x"}', headers: JSON_TYPE }))).status,
    ).toBe(404);
    for (const id of ['%ZZ', '%', '%u0041', '%C0%AE', '%E0%A4%A', '..', '42']) {
      const answer = await s.call('GET', `/items/${id}`);
      expect([id, answer.status, json(answer).error]).toEqual([
        id,
        404,
        `no item ${JSON.stringify(id)}: item ids are UUIDs such as 0f8fad5b-d9cb-469f-a165-70867728950e`,
      ]);
    }
    // The absolute form a proxy may send is routed by its path.
    expect((await s.call('GET', 'http://example.com/healthz')).status).toBe(200);
    expect((await s.call('GET', '/healthz?probe=1&token=secret')).status).toBe(200);
  });
});

describe('bad input is a 4xx naming the field, the value and what is allowed', () => {
  let s: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => (s = await serve({ bodyLimitBytes: 16 * 1024 })));
  afterAll(() => s.close());

  const NAME_RULE = 'a string of 1 to 200 characters, not only white space, well-formed Unicode without U\\+0000';
  test.each([
    ['malformed JSON', '{"name": ', /^malformed JSON: /],
    ['not an object', '[1,2]', /^the body must be a JSON object, got \[1,2\]$/],
    ['a missing name', '{}', new RegExp(`^name: got undefined; allowed: ${NAME_RULE}$`)],
    ['a blank name', '{"name":" \\n"}', /^name: got " \\n"; allowed: /],
    ['a NUL in the name', '{"name":"a\\u0000b"}', /^name: got "a\\u0000b"; allowed: .*without U\+0000$/],
    ['a lone surrogate in the name', '{"name":"a\\ud800"}', /^name: got "a\\ud800"; allowed: .*well-formed Unicode/],
    [
      'a NUL in an attribute',
      '{"name":"x","attributes":{"a":"\\u0000"}}',
      /^attributes\.a: got "\\u0000"; allowed: a string of at most 1000 characters, well-formed Unicode without U\+0000; a number/,
    ],
    [
      'a NUL in an attribute key',
      '{"name":"x","attributes":{"a\\u0000":1}}',
      /^attributes: got the key "a\\u0000"; allowed: a key of 1 to 64 characters/,
    ],
    [
      'an unknown field and a bad attribute at once',
      '{"name":"x","colour":1,"attributes":{"a":[1]}}',
      /^attributes\.a: got \[1\]; allowed: .*; "colour": unknown field; allowed fields: name, attributes$/,
    ],
    [
      'the key __proto__',
      '{"name":"x","attributes":{"__proto__":1}}',
      /^attributes: got the key "__proto__"; allowed: .*other than "__proto__"$/,
    ],
    [
      'a number beyond 2^53',
      '{"name":"x","attributes":{"n":12345678901234567890}}',
      /^attributes\.n: got 12345678901234567000; allowed: .*a number from -9007199254740991 to 9007199254740991 that is 0 or at least 1e-130 in magnitude/,
    ],
    ['1e200', '{"name":"x","attributes":{"n":1e200}}', /^attributes\.n: got 1e\+200; /],
    ['1e-200', '{"name":"x","attributes":{"n":-1e-200}}', /^attributes\.n: got -1e-200; /],
    [
      'a body nested 5,000 deep',
      `{"name":"x","attributes":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
      /^attributes\.a: got \[\[\[\[…\]\]\]\]; allowed: /,
    ],
    ['a top level nested 5,000 deep', `${'['.repeat(5000)}${']'.repeat(5000)}`, /^the body must be a JSON object, got \[\[\[\[…\]\]\]\]$/],
  ])('%s: 400', async (_case, body, message) => {
    const answer = await s.post(body);
    expect([answer.status, json(answer).error]).toEqual([400, expect.stringMatching(message)]);
  });

  test('a body over the limit is 413 and closes the connection (the rest is not read)', async () => {
    const answer = await s.post(JSON.stringify({ name: 'x'.repeat(20_000) }));
    expect([answer.status, json(answer).error, answer.headers.connection]).toEqual([
      413,
      'the body is 20011 bytes; allowed: at most 16384',
      'close',
    ]);
    const chunked = await s.call('POST', '/items', { headers: { ...JSON_TYPE, 'Transfer-Encoding': 'chunked' }, body: 'x'.repeat(20_000) });
    expect([chunked.status, json(chunked).error]).toEqual([413, 'the body is over 16384 bytes; allowed: at most 16384']);
  });

  test('a body sent slowly past the limit is a 413 all the same; one cut short is never a 500', async () => {
    const { port } = new URL(s.base);
    const exchange = (chunks: string[], end: boolean) =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', async () => {
          socket.write('POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
          for (const chunk of chunks) {
            socket.write(`${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`);
            await new Promise((r) => setTimeout(r, 20));
          }
          if (end) socket.write('0\r\n\r\n');
          else socket.destroy();
        });
        let text = '';
        socket.on('data', (d) => (text += d));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(text));
      });
    const slow = await exchange(
      Array.from({ length: 8 }, () => 'x'.repeat(4000)),
      true,
    );
    expect(slow).toMatch(
      /^HTTP\/1\.1 413 Payload Too Large\r\n[\s\S]*Connection: close\r\n[\s\S]*"the body is over 16384 bytes; allowed: at most 16384"/,
    );
    await exchange(['{"name":', '"x'], false);
    await new Promise((r) => setTimeout(r, 100));
    expect(s.logs().filter((l) => l.status >= 500)).toEqual([]);
    expect(s.logs().at(-1)).toMatchObject({ status: 400, method: 'POST' });
  });

  test.each([
    ['text/plain', { 'Content-Type': 'text/plain' }, 'Content-Type: got "text/plain"; allowed: application/json (UTF-8)'],
    ['no Content-Type', {}, 'Content-Type: got none; allowed: application/json (UTF-8)'],
    [
      'a charset other than UTF-8',
      { 'Content-Type': 'application/json; charset=latin1' },
      'Content-Type: got "application/json; charset=latin1"; allowed: application/json (UTF-8)',
    ],
    [
      'gzip',
      { ...JSON_TYPE, 'Content-Encoding': 'gzip' },
      'Content-Encoding: got "gzip"; allowed: none (identity): send the JSON as it is',
    ],
  ])('a body that is not plain JSON is 415: %s', async (_case, headers, message) => {
    const answer = await s.post('{"name":"x"}', headers as Record<string, string>);
    expect([answer.status, json(answer).error]).toEqual([415, message]);
  });

  test('application/json with charset=utf-8 is accepted; a body that is not UTF-8 is 400', async () => {
    expect((await s.post('{"name":"x"}', { 'Content-Type': 'Application/JSON; charset="UTF-8"' })).status).toBe(201);
    const answer = await s.call('POST', '/items', {
      headers: JSON_TYPE,
      body: Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xc0, 0xae, 0x22, 0x7d]),
    });
    expect([answer.status, json(answer).error]).toEqual([400, 'the body is not valid UTF-8; allowed: JSON in UTF-8']);
  });
});

describe('dependencies', () => {
  test('a store that is down is a 503 with Retry-After naming the store, and /readyz says not ready without any address; recovery needs no restart', async () => {
    const s = await serve();
    s.store.down = Object.assign(new Error('connect ECONNREFUSED 10.0.3.7:5432'), { code: 'ECONNREFUSED' });
    const write = await s.post('{"name":"x"}');
    expect([write.status, json(write), write.headers['retry-after']]).toEqual([
      503,
      { error: 'the data store is unavailable; retry shortly', store: 'postgresql', reason: 'ECONNREFUSED' },
      '2',
    ]);
    const ready = await s.call('GET', '/readyz');
    expect([ready.status, json(ready)]).toEqual([
      503,
      {
        status: 'not ready',
        dataStore: { kind: 'postgresql', ok: false, ms: expect.any(Number), error: 'ECONNREFUSED' },
        cache: 'off',
        sessions: { kind: 'memory' },
      },
    ]);
    expect(ready.body).not.toContain('10.0.3.7');
    // The log has the whole story.
    expect(s.logs().at(-1)).toMatchObject({
      level: 'warn',
      status: 503,
      error: 'ECONNREFUSED: postgresql is unavailable: connect ECONNREFUSED 10.0.3.7:5432',
    });
    s.store.down = undefined;
    expect((await s.post('{"name":"x"}')).status).toBe(201);
    expect(json(await s.call('GET', '/readyz'))).toEqual({
      status: 'ready',
      dataStore: { kind: 'postgresql', ok: true, ms: expect.any(Number) },
      cache: 'off',
      sessions: { kind: 'memory' },
    });
    await s.close();
  });

  test('/readyz does not hang on a store that does not answer: 503 at its deadline', async () => {
    const s = await serve();
    s.store.hung = true;
    const started = Date.now();
    const ready = await s.call('GET', '/readyz');
    expect([ready.status, json(ready).dataStore.error]).toEqual([503, 'timeout']);
    expect(Date.now() - started).toBeLessThan(2000);
    await s.close();
  });

  test('/readyz to the public (forwarded by a proxy, a load balancer or a CDN) is the verdict only: no latency, reason, address or hit ratio', async () => {
    const cache = new MemoryCache();
    const s = await serve({ cache, readyReuseMs: 0 });
    const forwarded = { headers: { 'X-Forwarded-For': '203.0.113.7' } };
    const ready = await s.call('GET', '/readyz', forwarded);
    expect([ready.status, ready.body]).toEqual([200, '{"status":"ready"}']);
    cache.failing = true;
    expect(json(await s.call('GET', '/readyz', { headers: { Via: '1.1 abc.cloudfront.net (CloudFront)' } }))).toEqual({
      status: 'degraded',
    });
    s.store.down = Object.assign(new Error('connect ECONNREFUSED 10.0.3.7:5432'), { code: 'ECONNREFUSED' });
    const down = await s.call('GET', '/readyz', { headers: { Forwarded: 'for=203.0.113.7' } });
    expect([down.status, down.body, down.headers['retry-after']]).toEqual([503, '{"status":"not ready"}', '2']);
    // The log says why, for whoever runs it; this server's own caller is told in full.
    expect(s.logs().at(-1)).toMatchObject({ status: 503, error: expect.stringContaining('ECONNREFUSED: ') });
    expect(json(await s.call('GET', '/readyz')).dataStore).toEqual({
      kind: 'postgresql',
      ok: false,
      ms: expect.any(Number),
      error: 'ECONNREFUSED',
    });
    await s.close();
  });

  test('however many of the public ask /readyz, they share one check: the one under way or one just ended; the server itself is checked afresh', async () => {
    const pinged = (s: Awaited<ReturnType<typeof serve>>) => {
      const counted = { pings: 0 };
      const ping = s.store.ping.bind(s.store);
      s.store.ping = () => {
        counted.pings++;
        return ping();
      };
      return counted;
    };
    const forwarded = { headers: { 'X-Forwarded-For': '203.0.113.7' } };
    const s = await serve({ readyReuseMs: 60_000 });
    const counted = pinged(s);
    s.store.delayMs = 20;
    const together = await Promise.all(Array.from({ length: 20 }, () => s.call('GET', '/readyz', forwarded)));
    expect(together.map((a) => a.status)).toEqual(Array(20).fill(200));
    for (let i = 0; i < 5; i++) await s.call('HEAD', '/readyz', forwarded);
    expect(counted.pings).toBe(1);
    await s.call('GET', '/readyz');
    await s.call('GET', '/readyz');
    expect(counted.pings).toBe(3);
    await s.close();
    // Once the reuse time has passed, the next one of the public gets a new check.
    const t = await serve({ readyReuseMs: 0 });
    const again = pinged(t);
    for (let i = 0; i < 3; i++) await t.call('GET', '/readyz', forwarded);
    expect(again.pings).toBe(3);
    await t.close();
  });

  test('a bug is a 500 that quotes the request id, and the log line has the stack', async () => {
    const s = await serve();
    s.store.broken = new TypeError('cannot read properties of undefined');
    const answer = await send(s.base, '/items', { method: 'POST', headers: JSON_TYPE, body: '{"name":"x"}' });
    const id = answer.headers['x-request-id'];
    expect([answer.status, json(answer)]).toEqual([500, { error: `internal error; quote the request id ${id}` }]);
    expect(s.logs().at(-1)).toMatchObject({
      level: 'error',
      requestId: id,
      status: 500,
      error: expect.stringContaining('TypeError: cannot read properties of undefined'),
    });
    await s.close();
  });
});

describe('cache-aside', () => {
  test('a miss reads the store and fills the cache with the TTL, without waiting for it; the next read is a hit; writes do not touch the cache', async () => {
    const cache = new MemoryCache();
    const s = await serve({ cache });
    const item = json(await s.post('{"name":"cached"}'));
    expect(cache.calls).toEqual([]);
    const miss = await s.call('GET', `/items/${item.id}`);
    const hit = await s.call('GET', `/items/${item.id}`);
    expect([miss.headers['x-data-cache'], hit.headers['x-data-cache'], json(hit)]).toEqual(['miss', 'hit', item]);
    expect(cache.calls).toEqual([`get item:${item.id}`, `set item:${item.id} 60`, `get item:${item.id}`]);
    // The hit ratio of item reads, in /readyz.
    const unknown = await s.call('GET', '/items/00000000-0000-4000-8000-000000000000');
    expect([unknown.status, unknown.headers['x-data-cache']]).toEqual([404, 'miss']);
    expect(json(await s.call('GET', '/readyz')).cache).toEqual({
      ok: true,
      ms: expect.any(Number),
      reads: { hits: 1, misses: 2, unavailable: 0, hitRatio: 0.333 },
    });
    await s.close();
  });

  test('X-Data-Cache is "off" without a cache, and never X-Cache (CloudFront sets its own X-Cache on every answer)', async () => {
    const s = await serve();
    const item = json(await s.post('{"name":"uncached"}'));
    const read = await s.call('GET', `/items/${item.id}`);
    expect([read.headers['x-data-cache'], read.headers['x-cache']]).toEqual(['off', undefined]);
    expect(json(await s.call('GET', '/readyz')).cache).toBe('off');
    await s.close();
  });

  test('a cache that fails never fails a read; /readyz is 200 "degraded" (the store answers)', async () => {
    const cache = new MemoryCache();
    const s = await serve({ cache });
    const item = json(await s.post('{"name":"x"}'));
    cache.failing = true;
    const read = await s.call('GET', `/items/${item.id}`);
    expect([json(read), read.headers['x-data-cache']]).toEqual([item, 'unavailable']);
    const ready = await s.call('GET', '/readyz');
    expect([ready.status, json(ready)]).toEqual([
      200,
      {
        status: 'degraded',
        dataStore: { kind: 'postgresql', ok: true, ms: expect.any(Number) },
        cache: { ok: false, ms: expect.any(Number), error: 'ECONNREFUSED', reads: { hits: 0, misses: 0, unavailable: 1, hitRatio: 0 } },
        sessions: { kind: 'memory' },
      },
    ]);
    expect(ready.body).not.toContain('10.0.7.9');
    await s.close();
  });
});

describe('X-Data-Source: which part of the data tier answered an item read', () => {
  test("the store's word on every read that reached it (200, 304, HEAD, 404), whatever it says: reader, writer or table", async () => {
    const s = await serve();
    const item = json(await s.post('{"name":"sourced"}'));
    const etag = `"i1-${item.id}"`;
    const missing = '/items/00000000-0000-4000-8000-000000000000';
    for (const source of ['reader', 'writer', 'table'] as const) {
      s.store.source = source;
      const answers = [
        await s.call('GET', `/items/${item.id}`),
        await s.call('HEAD', `/items/${item.id}`),
        await s.call('GET', `/items/${item.id}`, { headers: { 'If-None-Match': etag } }),
        await s.call('GET', missing),
        await s.call('HEAD', missing),
      ];
      expect(answers.map((a) => [a.method, a.status, a.headers['x-data-source']])).toEqual([
        ['GET', 200, source],
        ['HEAD', 200, source],
        ['GET', 304, source],
        ['GET', 404, source],
        ['HEAD', 404, source],
      ]);
    }
    await s.close();
  });

  test('"cache" when the cache answered (X-Data-Cache: hit), the store\'s on a miss and while the cache is unavailable', async () => {
    const cache = new MemoryCache();
    const s = await serve({ cache });
    s.store.source = 'reader';
    const item = json(await s.post('{"name":"cached source"}'));
    const read = () => s.call('GET', `/items/${item.id}`);
    const miss = await read();
    const hit = await read();
    const notModified = await s.call('GET', `/items/${item.id}`, { headers: { 'If-None-Match': `"i1-${item.id}"` } });
    cache.failing = true;
    const unavailable = await read();
    expect([miss, hit, notModified, unavailable].map((a) => [a.status, a.headers['x-data-cache'], a.headers['x-data-source']])).toEqual([
      [200, 'miss', 'reader'],
      [200, 'hit', 'cache'],
      [304, 'hit', 'cache'],
      [200, 'unavailable', 'reader'],
    ]);
    await s.close();
  });

  test('never on an answer that asked no store: an id that is not a UUID (404), one to spell canonically (301), other routes', async () => {
    const s = await serve({ cache: new MemoryCache() });
    s.store.down = new Error('the store must not be asked');
    const answers = [
      await s.call('GET', '/items/not-a-uuid'),
      await s.call('GET', '/items/0F8FAD5B-D9CB-469F-A165-70867728950E'),
      await s.call('GET', '/healthz'),
      await s.call('POST', '/sessions'),
    ];
    expect(answers.map((a) => [a.status, a.headers['x-data-source']])).toEqual([
      [404, undefined],
      [301, undefined],
      [200, undefined],
      [201, undefined],
    ]);
    await s.close();
  });
});

test('the request log: one line per request with its id, method, path without the query (cut at 200), status, time and bytes', async () => {
  const s = await serve();
  await s.call('GET', '/healthz?token=secret');
  await s.call('GET', `/${'a'.repeat(300)}?q=1`);
  await s.call('GET', '/"quoted"\\path');
  const [healthz, long, quoted] = s.logs().slice(-3);
  expect(healthz).toEqual({
    time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    level: 'info',
    requestId: expect.stringMatching(UUID),
    method: 'GET',
    path: '/healthz',
    status: 200,
    ms: expect.any(Number),
    bytes: 15,
  });
  expect(long.path).toBe(`/${'a'.repeat(LOGGED_PATH_LENGTH - 1)}…`);
  expect(quoted.path).toBe('/"quoted"\\path');
  expect(s.logs().some((l) => JSON.stringify(l).includes('secret'))).toBe(false);
  await s.close();
});

test('a raw request the router never sees (HTTP/1.0, no Host) is still answered with the headers', async () => {
  const s = await serve();
  const { port } = new URL(s.base);
  const raw = await new Promise<string>((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end('GET /healthz HTTP/1.0\r\n\r\n'));
    let text = '';
    socket.on('data', (d) => (text += d));
    socket.on('close', () => resolve(text));
  });
  expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  expect(raw).toMatch(/\r\nX-Request-Id: [0-9a-f-]{36}\r\n/);
  await s.close();
});

describe('stage 4: a writer and readers', () => {
  test('/readyz reports the readers beside the writer; readers that fail only degrade it (reads go to the writer)', async () => {
    const s = await serve({ store: new ReplicatedMemoryStore() });
    expect(json(await s.call('GET', '/readyz'))).toMatchObject({
      status: 'ready',
      dataStore: { kind: 'postgresql', ok: true, readers: { ok: true, ms: expect.any(Number) } },
    });
    s.store.readersDown = Object.assign(new Error('connect ECONNREFUSED 10.0.9.9:5432'), { code: 'ECONNREFUSED' });
    const ready = await s.call('GET', '/readyz');
    expect([ready.status, json(ready).status, json(ready).dataStore]).toEqual([
      200,
      'degraded',
      { kind: 'postgresql', ok: true, ms: expect.any(Number), readers: { ok: false, ms: expect.any(Number), error: 'ECONNREFUSED' } },
    ]);
    expect(ready.body).not.toContain('10.0.9.9');
    await s.close();
  });

  test('a failover (the writer endpoint on a read-only instance) is a 503 with Retry-After and a reason a person can read', async () => {
    const s = await serve();
    s.store.down = Object.assign(new Error('cannot execute INSERT in a read-only transaction'), { code: '25006' });
    const write = await s.post('{"name":"during a failover"}');
    expect([write.status, write.headers['retry-after'], json(write)]).toEqual([
      503,
      '2',
      { error: 'the data store is unavailable; retry shortly', store: 'postgresql', reason: 'read-only: failing over' },
    ]);
    await s.close();
  });
});

describe('answers a CDN can keep, and who gave them', () => {
  test('an item is kept for a year (it never changes); its 404, writes, identity, health, readiness and sessions never', async () => {
    const s = await serve();
    const created = await s.post('{"name":"edge"}');
    const item = json(created);
    const answers = {
      item: await s.call('GET', `/items/${item.id}`),
      missing: await s.call('GET', '/items/00000000-0000-4000-8000-000000000000'),
      write: created,
      identity: await s.call('GET', '/'),
      health: await s.call('GET', '/healthz'),
      readiness: await s.call('GET', '/readyz'),
      session: await s.call('POST', '/sessions'),
    };
    expect(Object.fromEntries(Object.entries(answers).map(([k, a]) => [k, a.headers['cache-control']]))).toEqual({
      item: 'public, max-age=31536000, immutable',
      missing: 'no-store',
      write: 'no-store',
      identity: 'no-store',
      health: 'no-store',
      readiness: 'no-store',
      session: 'no-store',
    });
    await s.close();
  });
});

describe('sessions', () => {
  const cookieOf = (answer: Answer) => String((answer.headers['set-cookie'] as string[] | undefined)?.[0] ?? '');
  const idOf = (answer: Answer) => /^__Host-ztm-session=([^;]*);/.exec(cookieOf(answer))?.[1] ?? '';
  const withCookie = (id: string, more: Record<string, string> = {}) => ({ headers: { Cookie: `${SESSION_COOKIE}=${id}`, ...more } });

  test('POST /sessions: 201, a random 256-bit id in a Secure, HttpOnly, SameSite=Strict cookie for the lifetime; never the id in the body', async () => {
    const s = await serve({ sessionTtlSeconds: 3600 });
    const [one, two] = [await s.call('POST', '/sessions'), await s.call('POST', '/sessions')];
    expect([one.status, one.headers.location, json(one)]).toEqual([
      201,
      '/session',
      { createdAt: expect.any(String), lastSeenAt: expect.any(String), expiresAt: expect.any(String), recent: [] },
    ]);
    expect(cookieOf(one)).toMatch(/^__Host-ztm-session=[A-Za-z0-9_-]{43}; Secure; HttpOnly; SameSite=Strict; Path=\/; Max-Age=3600$/);
    expect(Buffer.from(idOf(one), 'base64url')).toHaveLength(32);
    expect(idOf(one)).not.toBe(idOf(two));
    expect(one.body).not.toContain(idOf(one));
    await s.close();
  });

  test('GET /session: the items it created (POST /items) and viewed (POST /session/views), most recent first, each once, at most 20; the expiry slides', async () => {
    const s = await serve();
    const id = idOf(await s.call('POST', '/sessions'));
    const first = json(await s.call('GET', '/session', withCookie(id)));
    const created = json(await s.call('POST', '/items', { ...withCookie(id, JSON_TYPE), body: '{"name":"mine"}' }));
    const other = json(await s.post('{"name":"someone else\'s"}'));
    const viewed = await s.call('POST', '/session/views', { ...withCookie(id, JSON_TYPE), body: JSON.stringify({ id: other.id }) });
    expect([viewed.status, json(viewed).recent.map((r: { id: string; action: string }) => [r.action, r.id])]).toEqual([
      200,
      [
        ['viewed', other.id],
        ['created', created.id],
      ],
    ]);
    await s.call('POST', '/session/views', { ...withCookie(id, JSON_TYPE), body: JSON.stringify({ id: created.id }) });
    const again = await s.call('GET', '/session', withCookie(id));
    const session = json(again);
    expect(session.recent.map((r: { id: string; action: string }) => [r.action, r.id])).toEqual([
      ['viewed', created.id],
      ['viewed', other.id],
    ]);
    expect([session.createdAt, Date.parse(session.expiresAt) >= Date.parse(first.expiresAt)]).toEqual([first.createdAt, true]);
    expect(cookieOf(again)).toMatch(/Max-Age=3600$/);
    for (let i = 0; i < 25; i++) await s.call('POST', '/items', { ...withCookie(id, JSON_TYPE), body: `{"name":"n${i}"}` });
    expect(json(await s.call('GET', '/session', withCookie(id))).recent).toHaveLength(20);
    await s.close();
  });

  test('DELETE /session ends it and clears the cookie; the ended session is 401 and its cookie cleared', async () => {
    const s = await serve();
    const id = idOf(await s.call('POST', '/sessions'));
    const ended = await s.call('DELETE', '/session', withCookie(id));
    expect([ended.status, json(ended), cookieOf(ended)]).toEqual([
      200,
      { status: 'ended' },
      '__Host-ztm-session=; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=0',
    ]);
    const after = await s.call('GET', '/session', withCookie(id));
    expect([after.status, json(after).error, cookieOf(after)]).toEqual([
      401,
      'the session has ended or expired: start another with POST /sessions',
      expect.stringMatching(/Max-Age=0$/),
    ]);
    expect((await s.call('DELETE', '/session', withCookie(id))).status).toBe(200);
    await s.close();
  });

  test('an expired session is gone', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const sessions = new MemorySessions(() => now);
    const s = await serve({ sessions, sessionTtlSeconds: 60 });
    const realNow = Date.now;
    Date.now = () => now;
    try {
      const id = idOf(await s.call('POST', '/sessions'));
      now += 59_000;
      expect((await s.call('GET', '/session', withCookie(id))).status).toBe(200); // and slides 60 s on
      now += 59_000;
      expect((await s.call('GET', '/session', withCookie(id))).status).toBe(200);
      now += 61_000;
      expect((await s.call('GET', '/session', withCookie(id))).status).toBe(401);
    } finally {
      Date.now = realNow;
    }
    await s.close();
  });

  test.each([
    ['no cookie', {}, 401, 'no session: start one with POST /sessions'],
    ['other cookies only', { Cookie: 'theme=dark; lang=en' }, 401, 'no session: start one with POST /sessions'],
    [
      'an unknown id',
      { Cookie: `${SESSION_COOKIE}=${'A'.repeat(43)}` },
      401,
      'the session has ended or expired: start another with POST /sessions',
    ],
    [
      'a malformed id',
      { Cookie: `${SESSION_COOKIE}=../../etc/passwd` },
      400,
      'the __Host-ztm-session cookie: got "../../etc/passwd" (16 characters); allowed: 43 characters of A-Z a-z 0-9 - _, as POST /sessions sets it',
    ],
    [
      'an oversized id',
      { Cookie: `${SESSION_COOKIE}=${'a'.repeat(8000)}` },
      400,
      expect.stringMatching(/^the __Host-ztm-session cookie: got "a{20}…" \(8000 characters\); allowed: /),
    ],
    [
      'the cookie twice',
      { Cookie: `${SESSION_COOKIE}=${'A'.repeat(43)}; ${SESSION_COOKIE}=${'B'.repeat(43)}` },
      400,
      expect.stringMatching(/^the __Host-ztm-session cookie was sent twice; allowed: once\. /),
    ],
  ])('GET /session with %s: a clean 4xx, never a 5xx', async (_case, headers, status, error) => {
    const s = await serve();
    const answer = await s.call('GET', '/session', { headers });
    expect([answer.status, json(answer).error]).toEqual([status, error]);
    await s.close();
  });

  test('the cookie sent twice: a 400 that clears neither (a clearing Set-Cookie reaches only the genuine one) and says what to do; a malformed one alone is cleared', async () => {
    const s = await serve();
    const ours = idOf(await s.call('POST', '/sessions'));
    // The planted one (a parent domain's, in a browser that does not hold the __Host- prefix) comes first: its Path is longer.
    const planted = idOf(await s.call('POST', '/sessions'));
    const twice = { headers: { Cookie: `${SESSION_COOKIE}=${planted}; ${SESSION_COOKIE}=${ours}` } };
    for (const [method, path, body] of [
      ['GET', '/session', undefined],
      ['DELETE', '/session', undefined],
      ['POST', '/session/views', '{"id":"0f8fad5b-d9cb-469f-a165-70867728950e"}'],
    ] as const) {
      const answer = await s.call(method, path, { headers: { ...twice.headers, ...JSON_TYPE }, body });
      expect({ [`${method} ${path}`]: [answer.status, json(answer).error, answer.headers['set-cookie']] }).toEqual({
        [`${method} ${path}`]: [
          400,
          expect.stringMatching(
            /sent twice; allowed: once\. .*clear this site's cookies in the browser, then start a session with POST \/sessions$/,
          ),
          undefined,
        ],
      });
    }
    // Neither session was ended or changed by the refused requests.
    expect([
      (await s.call('GET', '/session', withCookie(ours))).status,
      (await s.call('GET', '/session', withCookie(planted))).status,
    ]).toEqual([200, 200]);
    expect(cookieOf(await s.call('GET', '/session', withCookie('../../etc/passwd')))).toBe(
      '__Host-ztm-session=; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=0',
    );
    await s.close();
  });

  test('POST /session/views names an item id; anything else is a 400 naming it, a body that is not JSON a 415', async () => {
    const s = await serve();
    const id = idOf(await s.call('POST', '/sessions'));
    const view = (body: string, headers: Record<string, string> = JSON_TYPE) =>
      s.call('POST', '/session/views', { ...withCookie(id, headers), body });
    const bad = await view('{"id":"42","extra":1}');
    expect([bad.status, json(bad).error]).toEqual([
      400,
      'id: got "42"; allowed: an item id: a UUID in lower case, such as 0f8fad5b-d9cb-469f-a165-70867728950e; "extra": unknown field; allowed fields: id',
    ]);
    expect((await view('{"id":"0F8FAD5B-D9CB-469F-A165-70867728950E"}')).status).toBe(400);
    expect((await view('{"id":"0f8fad5b-d9cb-469f-a165-70867728950e"}', { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect(
      (await s.call('POST', '/session/views', { headers: JSON_TYPE, body: '{"id":"0f8fad5b-d9cb-469f-a165-70867728950e"}' })).status,
    ).toBe(401);
    await s.close();
  });

  test('wrong methods are 405 with Allow', async () => {
    const s = await serve();
    expect([(await s.call('GET', '/sessions')).headers.allow, (await s.call('PUT', '/session')).headers.allow]).toEqual([
      'POST',
      'GET, HEAD, DELETE',
    ]);
    expect((await s.call('GET', '/session/views')).headers.allow).toBe('POST');
    await s.close();
  });

  test('a session others change every time this request tries: a view is a 503 that says so; a GET answers with the session they left', async () => {
    const sessions = new ContestedSessions();
    const s = await serve({ sessions });
    const id = idOf(await s.call('POST', '/sessions'));
    const view = await s.call('POST', '/session/views', { ...withCookie(id, JSON_TYPE), body: `{"id":"${randomUUID()}"}` });
    expect([view.status, view.headers['retry-after'], json(view)]).toEqual([
      503,
      '2',
      { error: 'other requests are changing this session at this moment; retry shortly', store: 'memory', reason: 'SessionContention' },
    ]);
    expect(sessions.replaced).toBe(SESSION_CHANGE_ATTEMPTS);
    const read = await s.call('GET', '/session', withCookie(id));
    expect([read.status, json(read).recent]).toEqual([200, []]);
    expect(sessions.replaced).toBe(SESSION_CHANGE_ATTEMPTS + 1);
    await s.close();
  });

  test('a session store that is down is a 503 on the session routes only: items are written (without the note) and read', async () => {
    const sessions = new FailingSessions();
    const s = await serve({ sessions });
    const id = idOf(await s.call('POST', '/sessions'));
    sessions.down = Object.assign(new Error('connect ECONNREFUSED 10.0.5.5:6379'), { code: 'ECONNREFUSED' });
    for (const [method, sent] of [
      ['POST', {}],
      ['GET', withCookie(id)],
      ['DELETE', withCookie(id)],
    ] as const) {
      const answer = await s.call(method, method === 'POST' ? '/sessions' : '/session', sent);
      expect([method, answer.status, answer.headers['retry-after'], json(answer)]).toEqual([
        method,
        503,
        '2',
        {
          error: 'the session store is unavailable; retry shortly (items do not depend on it)',
          store: 'cache',
          reason: 'ECONNREFUSED',
        },
      ]);
    }
    const created = await s.call('POST', '/items', { ...withCookie(id, JSON_TYPE), body: '{"name":"still works"}' });
    expect([created.status, (await s.call('GET', `/items/${json(created).id}`)).status]).toEqual([201, 200]);
    await new Promise((r) => setTimeout(r, 100));
    expect(s.logs().find((l) => l.msg === 'the new item was stored but not noted in its session')).toMatchObject({ error: 'ECONNREFUSED' });
    await s.close();
  });
});

describe("another site's page may change nothing: every method but GET and HEAD is refused before any route", () => {
  const ITEM = JSON.stringify({ name: 'planted' });
  const cookieOf = (answer: Answer) => String((answer.headers['set-cookie'] as string[] | undefined)?.[0] ?? '');
  const idOf = (answer: Answer) => /^__Host-ztm-session=([^;]*);/.exec(cookieOf(answer))?.[1] ?? '';
  /** What a page can send without CORS: a text/plain form, or a fetch in no-cors mode. */
  const WRITES: [string, string, Record<string, string>, string?][] = [
    ['POST', '/sessions', { 'Content-Type': 'text/plain' }, '{"x":"="}'],
    ['POST', '/items', JSON_TYPE, ITEM],
    ['POST', '/items', { 'Content-Type': 'text/plain' }, ITEM],
    ['DELETE', '/session', {}],
    ['POST', '/session/views', JSON_TYPE, JSON.stringify({ id: randomUUID() })],
    ['PUT', '/items', JSON_TYPE, ITEM],
    ['PATCH', '/session', JSON_TYPE, '{}'],
    ['POST', '/nowhere', {}],
    ['OPTIONS', '/items', {}],
  ];
  const FROM_ELSEWHERE: [string, Record<string, string>, string, string][] = [
    ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' }, 'Sec-Fetch-Site', 'cross-site'],
    [
      'Sec-Fetch-Site: same-site (a sibling subdomain)',
      { 'Sec-Fetch-Site': 'same-site', Origin: 'https://blog.example.com' },
      'Sec-Fetch-Site',
      'same-site',
    ],
    ['an Origin that is not the Host (no Sec-Fetch-Site)', { Origin: 'https://evil.example' }, 'Origin', 'https://evil.example'],
    ['Origin: null (no Sec-Fetch-Site)', { Origin: 'null' }, 'Origin', 'null'],
  ];

  test.each(FROM_ELSEWHERE)(
    '%s: a 403 naming the header and its value on every write; nothing stored, the cookie left alone',
    async (_case, from, header, value) => {
      const s = await serve();
      const visitor = idOf(await s.call('POST', '/sessions'));
      const before = json(await s.call('GET', '/session', { headers: { Cookie: `${SESSION_COOKIE}=${visitor}` } }));
      for (const [method, target, type, body] of WRITES) {
        const answer = await s.call(method, target, { headers: { ...type, ...from, Cookie: `${SESSION_COOKIE}=${visitor}` }, body });
        expect({ [`${method} ${target}`]: [answer.status, json(answer), answer.headers['set-cookie']] }).toEqual({
          [`${method} ${target}`]: [403, { error: expect.stringContaining(`${header}: "${value}"`), header, value }, undefined],
        });
      }
      expect(s.store.items.size).toBe(0);
      // The visitor's session is the one it was: not ended, not replaced, nothing noted.
      const after = json(await s.call('GET', '/session', { headers: { Cookie: `${SESSION_COOKIE}=${visitor}` } }));
      expect({ ...after, lastSeenAt: undefined, expiresAt: undefined }).toEqual({ ...before, lastSeenAt: undefined, expiresAt: undefined });
      expect(s.logs().filter((l) => l.status === 403)).toHaveLength(WRITES.length);
      await s.close();
    },
  );

  test('reads are never refused: GET and HEAD from another site are answered (an item, the identity)', async () => {
    const s = await serve();
    const id = json(await s.post(ITEM)).id;
    for (const method of ['GET', 'HEAD'])
      for (const target of [`/items/${id}`, '/'])
        expect((await s.call(method, target, { headers: { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' } })).status).toBe(
          200,
        );
    await s.close();
  });

  test("the page's own requests (same-origin, or none) and clients that are not browsers (neither header) go on", async () => {
    const s = await serve();
    const host = new URL(s.base).host;
    const sent: Record<string, string>[] = [
      { 'Sec-Fetch-Site': 'same-origin', Origin: s.base },
      { 'Sec-Fetch-Site': 'none' },
      { Origin: s.base }, // a browser over plain HTTP: no Sec-Fetch-Site, an Origin that is the Host
      { Origin: `http://${host.toUpperCase()}` },
      {}, // curl, an app
    ];
    for (const headers of sent) {
      expect((await s.post(ITEM, { ...JSON_TYPE, ...headers })).status).toBe(201);
      expect((await s.call('POST', '/sessions', { headers })).status).toBe(201);
    }
    await s.close();
  });

  test('behind the CDN the Host is the load balancer’s: an older browser’s Origin is refused unless it is a trusted origin', async () => {
    const behindCdn = { ...JSON_TYPE, Host: 'stage5-origin.api.example.com', Origin: 'https://api.example.com' };
    const plain = await serve();
    expect((await plain.post(ITEM, behindCdn)).status).toBe(403);
    await plain.close();
    const s = await serve({ trustedOrigins: ['https://api.example.com', 'https://stage5.api.example.com'] });
    expect((await s.post(ITEM, behindCdn)).status).toBe(201);
    expect((await s.post(ITEM, { ...behindCdn, Origin: 'https://stage5.api.example.com' })).status).toBe(201);
    expect((await s.post(ITEM, { ...behindCdn, Origin: 'https://stage6.api.example.com' })).status).toBe(403);
    expect((await s.post(ITEM, { ...behindCdn, Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    await s.close();
  });
});
