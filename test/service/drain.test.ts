/**
 * Draining (service/src/drain.ts): no request a client has sent is reset. New connections are
 * refused; requests in flight and requests arriving on open connections are answered with
 * `Connection: close`; connections left idle are closed after the grace; the deadline ends the rest.
 */
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Connections, IDLE_GRACE_MS } from '../../service/src/drain';

/** The grace, shortened for the tests; the service's own is IDLE_GRACE_MS. */
const GRACE_MS = 300;

async function serve(handlerMs: number) {
  const server: Server = createServer();
  const connections = new Connections(server, GRACE_MS);
  server.on('request', (request, response) => {
    connections.track(response);
    setTimeout(() => response.end(`answered ${request.url}`), request.url === '/slow' ? handlerMs : 0).unref();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, connections, port: (server.address() as { port: number }).port };
}

/** A keep-alive client on one connection: what it received, and whether the server closed or reset it. */
function client(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  const state = { received: '', ended: false, error: undefined as string | undefined, socket };
  socket.on('data', (d) => (state.received += d));
  socket.on('end', () => (state.ended = true));
  socket.on('error', (e: NodeJS.ErrnoException) => (state.error = e.code));
  const ready = new Promise((r) => socket.once('connect', r));
  const get = (path: string) => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  return { state, ready, get };
}
const until = async (condition: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return condition();
};

test('a request in flight, and one sent on an idle connection during the grace, are answered with Connection: close; idle ones close after the grace', async () => {
  const { connections, port } = await serve(300);
  const [busy, idle, late] = [client(port), client(port), client(port)];
  await Promise.all([busy.ready, idle.ready, late.ready]);
  busy.get('/slow');
  for (const c of [idle, late]) c.get('/first');
  expect(await until(() => idle.state.received.includes('answered /first') && late.state.received.includes('answered /first'), 2000)).toBe(
    true,
  );
  await until(() => connections.open === 3, 1000);

  const started = Date.now();
  const draining = connections.drain(10_000);
  // Refused: nothing listens any more.
  const refused = await new Promise((r) => connect(port, '127.0.0.1').on('error', (e: NodeJS.ErrnoException) => r(e.code)));
  setTimeout(() => late.get('/second'), GRACE_MS / 2);
  const destroyed = await draining;
  const took = Date.now() - started;

  expect(refused).toBe('ECONNREFUSED');
  expect(destroyed).toBe(0);
  expect(busy.state.received).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Connection: close\r\n[\s\S]*answered \/slow$/);
  expect(late.state.received).toMatch(/answered \/first[\s\S]*Connection: close\r\n[\s\S]*answered \/second$/);
  expect([busy.state, idle.state, late.state].map((s) => [s.ended, s.error])).toEqual([
    [true, undefined],
    [true, undefined],
    [true, undefined],
  ]);
  expect(IDLE_GRACE_MS).toBe(1000);
  expect(took).toBeGreaterThanOrEqual(GRACE_MS);
  expect(took).toBeLessThan(GRACE_MS + 2000);
});

test('at the deadline what is still open is destroyed, and counted', async () => {
  const { connections, port } = await serve(5000);
  const stuck = client(port);
  await stuck.ready;
  stuck.get('/slow');
  await until(() => connections.open === 1, 1000);
  const started = Date.now();
  expect(await connections.drain(300)).toBe(1);
  expect(Date.now() - started).toBeLessThan(1500);
  expect(await until(() => stuck.state.ended || stuck.state.error !== undefined, 1000)).toBe(true);
});
