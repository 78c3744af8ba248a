/**
 * The process around the app (service/src/server.ts): its limits on slow and numerous clients,
 * JSON answers for requests Node's parser refuses, and a stop that ends within its deadlines even
 * when a dependency will not close. (SIGTERM under load and with a hung cache, on real engines, are
 * in the fault suite.)
 */
import { connect } from 'node:net';
import { CLOSE_DEADLINE_MS, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, start } from '../../service/src/server';
import { readSettings } from '../../service/src/settings';
import { MemoryCache, MemoryStore } from './support/doubles';

/** Processes of the test that is running, stopped after it whether it passed or not. */
const running: { stop(): Promise<void> }[] = [];
afterEach(() => Promise.all(running.splice(0).map((r) => r.stop())));
const started = async (...args: Parameters<typeof start>) => {
  const r = await start(...args);
  running.push(r);
  return r;
};

const settings = (env: Record<string, string> = {}) =>
  readSettings({
    DATA_STORE: 'dynamodb',
    TABLE_NAME: 't',
    AWS_REGION: 'us-east-1',
    PORT: '0',
    LISTEN_HOST: '127.0.0.1',
    DRAIN_SECONDS: '2',
    ...env,
  });

/** Sends raw bytes on a new connection; resolves with everything the server sent before closing. */
const raw = (port: number, bytes: string) =>
  new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (d) => (text += d));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(text));
  });

test('slow clients are cut off and connections capped: the limits the stages facing the internet need', async () => {
  const service = await started(settings({ MAX_CONNECTIONS: '16', KEEP_ALIVE_SECONDS: '5' }), {
    store: new MemoryStore(),
    sink: () => undefined,
  });
  expect([
    service.server.headersTimeout,
    service.server.requestTimeout,
    service.server.keepAliveTimeout,
    service.server.maxConnections,
  ]).toEqual([HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, 5000, 16]);
  expect([HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS]).toEqual([10_000, 30_000]);
  const sockets = Array.from({ length: 17 }, () => connect(service.port, '127.0.0.1'));
  const closed = await Promise.all(
    sockets.map(
      (s) =>
        new Promise<boolean>((r) => {
          s.once('close', () => r(true));
          setTimeout(() => r(false), 500);
        }),
    ),
  );
  expect(closed.filter(Boolean).length).toBe(1);
  for (const s of sockets) s.destroy();
  await service.stop();
});

test('a request the HTTP parser refuses gets a JSON answer with the usual headers, and the connection closes', async () => {
  const lines: string[] = [];
  const service = await started(settings(), { store: new MemoryStore(), sink: (l) => lines.push(l) });
  const garbage = await raw(service.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
  const big = await raw(service.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  await service.stop();
  expect(garbage).toMatch(
    /^HTTP\/1\.1 400 Bad Request\r\nContent-Type: application\/json\r\n[\s\S]*Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nX-Request-Id: [0-9a-f-]{36}\r\nX-Stage: local\r\nX-Region: us-east-1\r\nX-Served-By: \S+\r\nConnection: close\r\n\r\n\{"error":"malformed HTTP request \(HPE_INVALID_HEADER_TOKEN\)"\}$/,
  );
  expect(big).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n[\s\S]*\{"error":"the request headers are too large"\}$/);
  expect(
    lines
      .map((l) => JSON.parse(l))
      .filter((l) => l.status >= 400)
      .map((l) => [l.status, l.error]),
  ).toEqual([
    [400, 'HPE_INVALID_HEADER_TOKEN'],
    [431, 'HPE_HEADER_OVERFLOW'],
  ]);
});

test('stop() ends within its deadlines although the store never closes: it says what did not close', async () => {
  const store = new MemoryStore();
  store.close = () => new Promise(() => undefined);
  const cache = new MemoryCache();
  const lines: string[] = [];
  // The deadline shortened for the test; the service's own is CLOSE_DEADLINE_MS.
  const closeDeadlineMs = 300;
  const service = await started(settings(), { store, cache, sink: (l) => lines.push(l), closeDeadlineMs });
  const stopping = Date.now();
  await service.stop();
  const took = Date.now() - stopping;
  expect(CLOSE_DEADLINE_MS).toBe(2000);
  expect(took).toBeGreaterThanOrEqual(closeDeadlineMs - 50);
  expect(took).toBeLessThan(closeDeadlineMs + 1500);
  const events = lines.map((l) => JSON.parse(l)).map(({ time: _, ...rest }) => rest);
  expect(events).toEqual([
    {
      level: 'info',
      msg: 'listening',
      port: service.port,
      dataStore: 'postgresql',
      readers: false,
      cache: 'on',
      sessions: 'memory',
      stage: 'local',
      version: 'dev',
    },
    { level: 'info', msg: 'draining', connections: 0, deadlineSeconds: 2 },
    { level: 'warn', msg: 'stopped', connectionsDestroyed: 0, problems: [`the data store did not close within ${closeDeadlineMs} ms`] },
  ]);
});
