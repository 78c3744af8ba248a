/**
 * The Redis client (service/src/redis-client.ts) against a small RESP server on loopback that the
 * test scripts: how it writes commands, reads replies however they are cut, and holds the deadline
 * of every command when the server is slow or silent. (Against the real redis-server, with TLS and
 * a paused server, in the suites on real engines.)
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Timeout } from '../../service/src/errors';
import { RedisClient, RedisError } from '../../service/src/redis-client';

interface Fake {
  readonly url: (path?: string) => string;
  /** Everything received, as text. */
  received: string;
  /** Answers what it received; by default nothing. */
  answer: (data: string, socket: Socket) => void;
  readonly sockets: Socket[];
  close(): Promise<void>;
}

/** Servers and clients of the test that is running, closed after it whether it passed or not. */
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});
const client = (options: ConstructorParameters<typeof RedisClient>[0]) => {
  const c = new RedisClient(options);
  open.push(c);
  return c;
};

async function fake(): Promise<Fake> {
  const state: Fake = {
    received: '',
    answer: () => undefined,
    sockets: [],
    url: (path = '') => `redis://127.0.0.1:${(server.address() as { port: number }).port}${path}`,
    close: () => new Promise((r) => (state.sockets.forEach((s) => s.destroy()), server.close(() => r()))),
  };
  const server: Server = createServer((socket) => {
    state.sockets.push(socket);
    socket.on('data', (d) => {
      state.received += d.toString('utf8');
      state.answer(d.toString('utf8'), socket);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  open.push(state);
  return state;
}

const connected = async (c: RedisClient) => {
  for (let i = 0; i < 100 && !c.connected; i++) await new Promise((r) => setTimeout(r, 10));
  expect(c.connected).toBe(true);
};
const dripping = (socket: Socket, text: string) => {
  // One byte per write, each on a later turn: replies cut anywhere.
  const bytes = Buffer.from(text);
  let i = 0;
  const next = () => i < bytes.length && socket.write(bytes.subarray(i, ++i), () => setImmediate(next));
  next();
};

test('commands go out as RESP arrays of bulk strings; replies are read however they are cut', async () => {
  const server = await fake();
  server.answer = (data, socket) => {
    if (data.includes('GET')) dripping(socket, `$${Buffer.byteLength('valué😀')}\r\nvalué😀\r\n+OK\r\n:42\r\n$-1\r\n*2\r\n$1\r\na\r\n:1\r\n-ERR wrong type\r\n`);
  };
  const redis = client({ url: server.url(), timeoutMs: 2000 });
  await connected(redis);
  const replies = [redis.send(['GET', 'kéy']), redis.send(['SET', 'k', 'v']), redis.send(['INCR', 'n']), redis.send(['GET', 'none']), redis.send(['LRANGE', 'l']), redis.send(['GET', 'x'])];
  const settled = await Promise.allSettled(replies);
  expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : `${(s.reason as Error).name}: ${(s.reason as Error).message}`))).toEqual(['valué😀', 'OK', 42, null, ['a', 1], 'RedisError: ERR wrong type']);
  expect(server.received.startsWith('*2\r\n$3\r\nGET\r\n$4\r\nkéy\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n')).toBe(true);
});

test('a server that does not answer: every command fails at its deadline, not later', async () => {
  const server = await fake();
  const redis = client({ url: server.url(), timeoutMs: 50 });
  await connected(redis);
  const started = performance.now();
  const results = await Promise.allSettled([redis.send(['GET', 'a']), redis.send(['GET', 'b'])]);
  const elapsed = performance.now() - started;
  expect(results.map((r) => r.status === 'rejected' && r.reason instanceof Timeout)).toEqual([true, true]);
  expect(elapsed).toBeGreaterThanOrEqual(49);
  expect(elapsed).toBeLessThan(1000);
});

test('a late reply settles nothing: the next command gets its own reply', async () => {
  const server = await fake();
  // The first reply is held until the second command comes (after the first's deadline), then
  // both go out in order, as Redis answers.
  let received = 0;
  server.answer = (data, socket) => {
    received += (data.match(/\*2\r\n/g) ?? []).length;
    if (received === 2) socket.write('$5\r\nfirst\r\n$6\r\nsecond\r\n');
  };
  const redis = client({ url: server.url(), timeoutMs: 100 });
  await connected(redis);
  const first = await redis.send(['GET', 'first']).catch((e: Error) => e.name);
  const second = await redis.send(['GET', 'second']);
  expect([first, second]).toEqual(['Timeout', 'second']);
});

test('the URL gives the credentials and database, sent first; not connected is a failure at once; close() ends everything', async () => {
  const server = await fake();
  server.answer = (data, socket) => socket.write('+OK\r\n'.repeat((data.match(/\*\d/g) ?? []).length));
  const redis = client({ url: server.url('/2').replace('redis://', 'redis://app:p%40ss@'), timeoutMs: 1000 });
  await connected(redis);
  expect(await redis.send(['PING'])).toBe('OK');
  expect(server.received).toBe('*3\r\n$4\r\nAUTH\r\n$3\r\napp\r\n$4\r\np@ss\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*1\r\n$4\r\nPING\r\n');
  server.answer = () => undefined;
  const waiting = redis.send(['GET', 'k']);
  redis.close();
  await expect(waiting).rejects.toThrow('the cache client is closed');
  await expect(redis.send(['GET', 'k'])).rejects.toThrow(new RedisError('not connected to the cache'));
});

test('a connection the server drops is replaced; what waited on it fails, what comes after works', async () => {
  const server = await fake();
  const lost: string[] = [];
  const redis = client({ url: server.url(), timeoutMs: 1000, onConnectionLost: (e) => lost.push(e) });
  await connected(redis);
  // Only a connection that worked is worth reporting when it is lost.
  server.answer = (_data, socket) => socket.write('+PONG\r\n');
  expect(await redis.send(['PING'])).toBe('PONG');
  server.answer = (_data, socket) => socket.destroy();
  await expect(redis.send(['GET', 'k'])).rejects.toThrow('the connection to the cache closed');
  server.answer = (_data, socket) => socket.write('+PONG\r\n');
  await connected(redis);
  expect([await redis.send(['PING']), lost]).toEqual(['PONG', ['the connection to the cache closed']]);
});
