/**
 * The read cache as ElastiCache with in-transit encryption and AUTH serves it: redis-server over
 * TLS only (a certificate from a throwaway authority the service is told to trust), a password, and
 * a database number in CACHE_URL. The service's own Redis client must connect, authenticate,
 * select the database and cache items there.
 */
import { createClient } from 'redis';
import { type DynamoDb, type Redis, startDynamoDb, startRedis } from '../../lib/engines';
import { json, send } from '../service/support/http';
import { type ServiceProcess, startService, storeEnvironment } from './support/service-process';

let dynamodb: DynamoDb;
let redis: Redis;
let service: ServiceProcess;

beforeAll(async () => {
  [dynamodb, redis] = await Promise.all([startDynamoDb(), startRedis({ tls: true, password: 'pa:ss@word' })]);
  service = await startService({ ...storeEnvironment.dynamodb(dynamodb), CACHE_URL: `${redis.url}/3`, NODE_EXTRA_CA_CERTS: redis.caFile! });
});

afterAll(async () => {
  await service?.terminate();
  await redis?.stop();
  await dynamodb?.stop();
});

test('rediss:// with a password and a database: items are cached there, and /readyz reaches it', async () => {
  expect(redis.url).toMatch(/^rediss:\/\/:pa%3Ass%40word@localhost:\d+$/);
  const item = json(await send(service.base, '/items', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name":"secure"}' }));
  const [miss, hit] = [await send(service.base, `/items/${item.id}`), await send(service.base, `/items/${item.id}`)];
  expect([miss.headers['x-cache'], hit.headers['x-cache'], json(hit)]).toEqual(['miss', 'hit', item]);
  expect(json(await send(service.base, '/readyz'))).toMatchObject({ status: 'ready', cache: { ok: true } });

  const client = createClient({ url: `${redis.url}/3`, socket: { tls: true, ca: require('node:fs').readFileSync(redis.caFile!, 'utf8') } });
  await client.connect();
  const [cached, ttl] = [await client.get(`item:${item.id}`), await client.ttl(`item:${item.id}`)];
  await client.select(0);
  const inDefault = await client.exists(`item:${item.id}`);
  await client.close();
  expect([JSON.parse(cached!), ttl > 0, inDefault]).toEqual([item, true, 0]);
});

test('a wrong password: the cache is skipped, requests still succeed, and the log says why once', async () => {
  const wrong = await startService({ ...storeEnvironment.dynamodb(dynamodb), CACHE_URL: redis.url.replace('pa%3Ass%40word', 'nope'), NODE_EXTRA_CA_CERTS: redis.caFile! });
  try {
    const item = json(await send(wrong.base, '/items', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name":"x"}' }));
    for (let i = 0; i < 5; i++) expect((await send(wrong.base, `/items/${item.id}`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    // Once each, however often it tries again: what is wrong, and that the cache is skipped.
    await new Promise((r) => setTimeout(r, 2500));
    expect(wrong.logs.filter((l) => /cache/.test(l.msg ?? '')).map((l) => [l.msg, l.error])).toEqual([
      ['the cache refused the connection (check CACHE_URL); retrying', expect.stringMatching(/^AUTH: WRONGPASS/)],
      ['cache unavailable: skipping it, trying again every 2000 ms', expect.any(String)],
    ]);
  } finally {
    await wrong.terminate();
  }
});
