/**
 * Stage 5's cache on a real redis-server set up as ElastiCache Serverless is: TLS only, with a
 * certificate from a throwaway CA (trusted by the service through NODE_EXTRA_CA_CERTS, beside
 * Node's own), the default user off and the app user holding exactly CACHE_ACCESS_STRING, its
 * password served from a Secrets Manager on loopback as CACHE_SECRET_ARN. The service's cache-aside
 * works through it; a wrong password, a certificate it does not trust and a host that accepts TCP
 * and never completes the TLS handshake each leave every request answered within the cache's
 * deadline, never a 5xx.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { CACHE_USER } from '../../lib/data-contract';
import {
  type Postgres,
  type Redis,
  type SecretsManager,
  startPostgres,
  startRedis,
  startSecretsManager,
  startTogether,
} from '../../lib/engines';
import { json, send } from '../service/support/http';
import { appClient } from './support/cache-client';
import { logCaughtUp, type ServiceProcess, startService, storeEnvironment, UNHURRIED_CACHE } from './support/service-process';

const JSON_TYPE = { 'Content-Type': 'application/json' };
/** Waits for a condition that comes with time (a reconnection, a log line written in batches). */
async function eventually(condition: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
}
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cache-app';
const WRONG = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cache-wrong';

let postgres: Postgres;
let redis: Redis;
let secrets: SecretsManager;
const started: ServiceProcess[] = [];

beforeAll(async () => {
  [postgres, redis, secrets] = await startTogether(startPostgres(), startRedis({ managed: true }), startSecretsManager());
  secrets.put(SECRET, { username: redis.user!.name, password: redis.user!.password });
  secrets.put(WRONG, { username: CACHE_USER, password: 'not-the-password' });
});

afterAll(async () => {
  await Promise.all(started.map((s) => s.terminate()));
  await Promise.all([redis?.stop(), secrets?.stop()]);
  postgres?.destroy();
});

async function service(env: Record<string, string>, options: { ready?: boolean } = {}): Promise<ServiceProcess> {
  const s = await startService(
    { ...storeEnvironment.postgresql(postgres), ...secrets.environment, CACHE_SECRET_ARN: SECRET, ...UNHURRIED_CACHE, ...env },
    options,
  );
  started.push(s);
  return s;
}

test('cache-aside through TLS and the app user: a miss, then hits; X-Data-Cache and the hit ratio in /readyz; GET / says managed', async () => {
  const s = await service({ CACHE_URL: redis.url, NODE_EXTRA_CA_CERTS: redis.caFile! }, { ready: true });
  const item = json(await send(s.base, '/items', { method: 'POST', headers: JSON_TYPE, body: '{"name":"through TLS"}' }));
  const caches = [];
  for (let i = 0; i < 4; i++) caches.push((await send(s.base, `/items/${item.id}`)).headers['x-data-cache']);
  expect(caches).toEqual(['miss', 'hit', 'hit', 'hit']);
  expect(json(await send(s.base, '/readyz')).cache).toEqual({
    ok: true,
    ms: expect.any(Number),
    reads: { hits: 3, misses: 1, unavailable: 0, hitRatio: 0.75 },
  });
  expect(json(await send(s.base, '/')).cache).toBe('managed');
  const client = await appClient(redis);
  try {
    expect(JSON.parse((await client.get(`item:${item.id}`))!)).toEqual(item);
    // The user is exactly the access string: its own keys, no dangerous commands, no other keys.
    await expect(client.sendCommand(['KEYS', '*'])).rejects.toThrow(/NOPERM/);
    await expect(client.sendCommand(['FLUSHALL'])).rejects.toThrow(/NOPERM/);
    await expect(client.set('other:key', 'x')).rejects.toThrow(/NOPERM/);
  } finally {
    await client.close();
  }
});

/** Under a fault the cache deadline is the most: a read that waited for the cache would take 5 s. */
const WAITED_FOR = { CACHE_TIMEOUT_MS: '5000' };

/** 60 requests, reads and writes, each timed: all must be answered, none with a 5xx, none slowed by the cache. */
async function underFault(s: ServiceProcess) {
  const ids = [];
  for (let i = 0; i < 10; i++)
    ids.push(json(await send(s.base, '/items', { method: 'POST', headers: JSON_TYPE, body: `{"name":"n${i}"}` })).id as string);
  const outcomes = [];
  for (let i = 0; i < 60; i++) {
    const from = performance.now();
    const answer = await send(s.base, `/items/${ids[i % ids.length]}`);
    outcomes.push({ status: answer.status, cache: answer.headers['x-data-cache'], ms: performance.now() - from });
  }
  expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
  expect(new Set(outcomes.map((o) => o.cache))).toEqual(new Set(['unavailable']));
  // The cache is never waited for (the connection is not ready, so each call fails at once): a read
  // costs the database alone. Waiting would cost a read the whole deadline (WAITED_FOR: 5 s) before
  // the breaker opens; a busy machine's hiccups cost a read a few hundred ms (531 was the slowest of
  // 60 at a load of 16).
  expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(2500);
  const ready = await send(s.base, '/readyz');
  expect([ready.status, json(ready).status, json(ready).cache.ok]).toEqual([200, 'degraded', false]);
}

test('a wrong password: every request answered from the database, at once, never a 5xx; the refusal is logged once', async () => {
  const s = await service({ CACHE_URL: redis.url, NODE_EXTRA_CA_CERTS: redis.caFile!, CACHE_SECRET_ARN: WRONG, ...WAITED_FOR });
  await underFault(s);
  // The refusal makes it read the secret again (at most once a second), in case the password was rotated.
  await eventually(() => (secrets.reads.get(WRONG) ?? 0) >= 2);
  expect(secrets.reads.get(WRONG)).toBeGreaterThanOrEqual(2);
  await logCaughtUp(s);
  const refusals = s.logs.filter((l) => l.msg === 'cannot connect to the cache; trying again');
  expect(refusals).toHaveLength(1);
  expect(refusals[0].error).toMatch(/WRONGPASS/);
});

test('a server certificate the service does not trust: the cache is not used, requests are answered, never a 5xx', async () => {
  const s = await service({ CACHE_URL: redis.url, ...WAITED_FOR });
  await underFault(s);
  await eventually(() => s.logs.some((l) => l.msg === 'cannot connect to the cache; trying again'));
  expect(s.logs.find((l) => l.msg === 'cannot connect to the cache; trying again')?.error).toMatch(
    /self[- ]signed|unable to verify|certificate/i,
  );
});

test('a host that accepts TCP and never completes the TLS handshake: every request answered within the deadline, never a 5xx', async () => {
  const held: Socket[] = [];
  const silent: Server = createServer((socket) => held.push(socket));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const s = await service({ CACHE_URL: `rediss://127.0.0.1:${(silent.address() as { port: number }).port}`, ...WAITED_FOR });
    await underFault(s);
    expect(held.length).toBeGreaterThan(0);
    await eventually(() => s.logs.some((l) => l.msg === 'cannot connect to the cache; trying again'));
    expect(s.logs.find((l) => l.msg === 'cannot connect to the cache; trying again')?.error).toBe(
      'the cache connection was not ready within 1000 ms',
    );
  } finally {
    for (const socket of held) socket.destroy();
    silent.close();
  }
});
