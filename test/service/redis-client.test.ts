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

async function fake(): Promise<Fake> {
  const state: Fake = {
    received: '',
    answer: () => undefined,
    sockets: [],
    url: (path = '') => `redis://127.0.0.1:${(server.address() as { port: number }).port}${path}`,
    close: () =>
      new Promise((r) => {
        for (const s of state.sockets) s.destroy();
        server.close(() => r());
      }),
  };
  const server: Server = createServer((socket) => {
    state.sockets.push(socket);
    socket.on('data', (d) => {
      state.received += d.toString('utf8');
      state.answer(d.toString('utf8'), socket);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return state;
}

const connected = async (client: RedisClient) => {
  for (let i = 0; i < 100 && !client.connected; i++) await new Promise((r) => setTimeout(r, 10));
  expect(client.connected).toBe(true);
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
    if (data.includes('GET'))
      dripping(socket, `$${Buffer.byteLength('valué😀')}\r\nvalué😀\r\n+OK\r\n:42\r\n$-1\r\n*2\r\n$1\r\na\r\n:1\r\n-ERR wrong type\r\n`);
  };
  const client = new RedisClient({ url: server.url(), timeoutMs: 2000 });
  await connected(client);
  const replies = [
    client.send(['GET', 'kéy']),
    client.send(['SET', 'k', 'v']),
    client.send(['INCR', 'n']),
    client.send(['GET', 'none']),
    client.send(['LRANGE', 'l']),
    client.send(['GET', 'x']),
  ];
  const settled = await Promise.allSettled(replies);
  expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : `${(s.reason as Error).name}: ${(s.reason as Error).message}`))).toEqual([
    'valué😀',
    'OK',
    42,
    null,
    ['a', 1],
    'RedisError: ERR wrong type',
  ]);
  expect(server.received.startsWith('*2\r\n$3\r\nGET\r\n$4\r\nkéy\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n')).toBe(true);
  client.close();
  await server.close();
});

test('a server that does not answer: every command fails at its deadline, not later', async () => {
  const server = await fake();
  const client = new RedisClient({ url: server.url(), timeoutMs: 50 });
  await connected(client);
  const started = performance.now();
  const results = await Promise.allSettled([client.send(['GET', 'a']), client.send(['GET', 'b'])]);
  const elapsed = performance.now() - started;
  expect(results.map((r) => r.status === 'rejected' && r.reason instanceof Timeout)).toEqual([true, true]);
  expect(elapsed).toBeGreaterThanOrEqual(49);
  expect(elapsed).toBeLessThan(1000);
  client.close();
  await server.close();
});

test('a late reply settles nothing: the next command gets its own reply', async () => {
  const server = await fake();
  // The first reply is held until the second command arrives (the first has timed out by then), then
  // both go in one write, in order, as Redis answers: no timer of this test races the client's.
  const replies: string[] = [];
  server.answer = (_data, socket) => {
    replies.push(replies.length === 0 ? '$5\r\nfirst\r\n' : '$6\r\nsecond\r\n');
    if (replies.length === 2) socket.write(replies.join(''));
  };
  const client = new RedisClient({ url: server.url(), timeoutMs: 100 });
  await connected(client);
  const first = await client.send(['GET', 'first']).catch((e: Error) => e.name);
  const second = await client.send(['GET', 'second']);
  expect([first, second]).toEqual(['Timeout', 'second']);
  client.close();
  await server.close();
});

test('the URL gives the credentials and database, sent first; not connected is a failure at once; close() ends everything', async () => {
  const server = await fake();
  server.answer = (data, socket) => socket.write('+OK\r\n'.repeat((data.match(/\*\d/g) ?? []).length));
  const client = new RedisClient({ url: server.url('/2').replace('redis://', 'redis://app:p%40ss@'), timeoutMs: 1000 });
  await connected(client);
  expect(await client.send(['PING'])).toBe('OK');
  expect(server.received).toBe('*3\r\n$4\r\nAUTH\r\n$3\r\napp\r\n$4\r\np@ss\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*1\r\n$4\r\nPING\r\n');
  server.answer = () => undefined;
  const waiting = client.send(['GET', 'k']);
  client.close();
  await expect(waiting).rejects.toThrow('the cache client is closed');
  await expect(client.send(['GET', 'k'])).rejects.toThrow(new RedisError('not connected to the cache'));
  await server.close();
});

test('a connection the server drops is replaced; what waited on it fails, what comes after works', async () => {
  const server = await fake();
  const lost: string[] = [];
  const client = new RedisClient({ url: server.url(), timeoutMs: 1000, onConnectionLost: (e) => lost.push(e) });
  await connected(client);
  server.answer = (_data, socket) => socket.destroy();
  await expect(client.send(['GET', 'k'])).rejects.toThrow('the connection to the cache closed');
  server.answer = (_data, socket) => socket.write('+PONG\r\n');
  await connected(client);
  expect([await client.send(['PING']), lost]).toEqual(['PONG', ['the connection to the cache closed']]);
  client.close();
  await server.close();
});

/** Credentials as the cache's secret gives them, recording when they are renewed. */
function secret(...passwords: string[]) {
  const renewed: (string | undefined)[] = [];
  let current = passwords.shift()!;
  return {
    renewed,
    credentials: {
      user: async () => 'app',
      password: async () => current,
      renew: async (refused: string | undefined) => {
        renewed.push(refused);
        if (passwords.length > 0) current = passwords.shift()!;
        return current !== refused;
      },
    },
  };
}

test("the cache's secret authenticates each connection (AUTH user password) before any other command is taken", async () => {
  const server = await fake();
  let authenticated = false;
  server.answer = (data, socket) => {
    if (data.includes('AUTH')) {
      // The answer comes late: until it does, the client takes no command.
      setTimeout(() => {
        authenticated = true;
        socket.write('+OK\r\n');
      }, 100);
    } else socket.write('+PONG\r\n');
  };
  const { credentials } = secret('s3cret');
  const client = new RedisClient({ url: server.url(), timeoutMs: 1000, credentials });
  await new Promise((r) => setTimeout(r, 50));
  await expect(client.send(['PING'])).rejects.toThrow('not connected to the cache');
  await connected(client);
  expect([authenticated, await client.send(['PING'])]).toEqual([true, 'PONG']);
  expect(server.received).toBe('*3\r\n$4\r\nAUTH\r\n$3\r\napp\r\n$6\r\ns3cret\r\n*1\r\n$4\r\nPING\r\n');
  client.close();
  await server.close();
});

test('a refused password: commands fail at once (never wait), the secret is read again, and the new password is used', async () => {
  const server = await fake();
  server.answer = (data, socket) => {
    if (data.includes('AUTH'))
      socket.write(data.includes('new') ? '+OK\r\n' : '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    else socket.write('+PONG\r\n');
  };
  const { credentials, renewed } = secret('old', 'new');
  const failed: string[] = [];
  const client = new RedisClient({ url: server.url(), timeoutMs: 1000, credentials, onConnectFailed: (e) => failed.push(e) });
  const started = performance.now();
  await expect(client.send(['GET', 'k'])).rejects.toThrow('not connected to the cache');
  expect(performance.now() - started).toBeLessThan(100);
  await connected(client);
  expect(await client.send(['PING'])).toBe('PONG');
  expect(renewed).toEqual(['old']);
  expect(failed).toEqual(["the cache refused the connection's setup: WRONGPASS invalid username-password pair or user is disabled."]);
  client.close();
  await server.close();
});

test('a server that accepts the connection and never finishes the TLS handshake: given up on at the connect deadline, commands fail at once', async () => {
  const server = await fake();
  const failed: string[] = [];
  const client = new RedisClient({
    url: server.url().replace('redis://', 'rediss://'),
    timeoutMs: 50,
    connectTimeoutMs: 200,
    onConnectFailed: (e) => failed.push(e),
  });
  const started = performance.now();
  await expect(client.send(['GET', 'k'])).rejects.toThrow('not connected to the cache');
  expect(performance.now() - started).toBeLessThan(100);
  await new Promise((r) => setTimeout(r, 300));
  expect(failed).toEqual(['the cache connection was not ready within 200 ms']);
  expect(server.sockets.length).toBeGreaterThanOrEqual(1);
  client.close();
  await server.close();
});
