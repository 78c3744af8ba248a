/**
 * The read cache (service/src/cache.ts) against a Redis that accepts connections and never answers
 * (a small server on loopback; the real redis-server paused with SIGSTOP is in the fault suite):
 * every call ends at its deadline as a miss, then the breaker skips the cache, logging once.
 */
import { createServer, type Socket } from 'node:net';
import { BREAKER_FAILURES, RedisCache } from '../../service/src/cache';

test('a cache that never answers costs each call its deadline, then nothing: calls are skipped and the outage logged once', async () => {
  let commands = 0;
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', (d) => (commands += (d.toString().match(/\*\d+\r\n/g) ?? []).length));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const logs: Record<string, unknown>[] = [];
  const cache = new RedisCache(`redis://127.0.0.1:${(server.address() as { port: number }).port}`, 40, (l) => logs.push(l));
  try {
  for (let i = 0; i < 100 && sockets.length === 0; i++) await new Promise((r) => setTimeout(r, 10));

  let started = performance.now();
  const first = await Promise.all(Array.from({ length: BREAKER_FAILURES }, (_, i) => cache.get(`k${i}`)));
  const firstMs = performance.now() - started;
  started = performance.now();
  const later = await Promise.all([cache.get('a'), cache.set('b', 'v', 60), cache.get('c')]);
  const laterMs = performance.now() - started;

  expect([first, later]).toEqual([Array(BREAKER_FAILURES).fill(undefined), [undefined, undefined, undefined]]);
  expect(firstMs).toBeGreaterThanOrEqual(39);
  expect(firstMs).toBeLessThan(1000);
  expect(laterMs).toBeLessThan(5);
  await new Promise((r) => setTimeout(r, 20));
  expect(commands).toBe(BREAKER_FAILURES);
  expect(logs).toEqual([{ level: 'warn', msg: 'cache unavailable: skipping it, trying again every 2000 ms', error: 'timeout', detail: 'the cache: no answer within 40 ms' }]);
  // /readyz asks anyway, within the deadline.
  await expect(cache.ping()).rejects.toThrow('no answer within 40 ms');
  } finally {
    await cache.close();
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => server.close(r));
  }
});
