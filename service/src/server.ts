/**
 * The service process: reads its settings, connects its store and cache, serves, and on SIGTERM
 * drains within the load balancer's deregistration delay, so a scale-in or a deployment drops no
 * request: it stops accepting, answers every request already received (with `Connection: close`),
 * closes the connections, then closes its store and cache, each with a deadline of its own, and
 * writes out its log. Slow clients are cut off (headers within 10 s, the whole request within 30 s)
 * and connections are capped, because stages 1 and 2 face the internet directly.
 */

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { hostname } from 'node:os';
import { createApp } from './app';
import type { Cache } from './cache';
import { Connections } from './drain';
import { LineWriter, Log, type LogFields, type LogSink } from './log';
import type { SessionStore } from './sessions';
import { readSettings, type Settings, SettingsError } from './settings';
import type { ItemStore } from './store';
import { cacheFor, sessionStoreFor, storeFor } from './stores';

export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
/** How often Node checks those timeouts (its default, 30 s, let slow clients stay minutes). */
export const TIMEOUT_CHECK_MS = 1000;
/** The deadline of closing each dependency, and of writing out the log, at shutdown. */
export const CLOSE_DEADLINE_MS = 2000;

/** A value every answer may carry in a header: printable ASCII, at most 128 characters. */
export const headerSafe = (value: string): string =>
  value
    .replace(/[^ -~]/g, '?')
    .trim()
    .slice(0, 128) || '-';

/**
 * Which instance or task this is: from ECS task metadata (on Fargate: the task's id, the last part of
 * its ARN, which names no account), from EC2 instance metadata (IMDSv2) when the stage says the host
 * is an instance (HOST_METADATA=ec2), otherwise the host name. Nothing is asked of the network unless
 * the stage says where it runs.
 */
async function identity(): Promise<string> {
  const withTimeout = (ms: number) => AbortSignal.timeout(ms);
  try {
    if (process.env.ECS_CONTAINER_METADATA_URI_V4) {
      const response = await fetch(`${process.env.ECS_CONTAINER_METADATA_URI_V4}/task`, { signal: withTimeout(1000) });
      const task = (await response.json()) as { TaskARN?: string };
      if (response.ok && task.TaskARN) return task.TaskARN.split('/').pop()!;
    } else if (process.env.HOST_METADATA === 'ec2') {
      const token = await fetch('http://169.254.169.254/latest/api/token', {
        method: 'PUT',
        headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' },
        signal: withTimeout(500),
      });
      const id = await fetch('http://169.254.169.254/latest/meta-data/instance-id', {
        headers: { 'X-aws-ec2-metadata-token': await token.text() },
        signal: withTimeout(500),
      });
      const instanceId = await id.text();
      if (token.ok && id.ok && /^i-[0-9a-f]{8,17}$/.test(instanceId)) return instanceId;
    }
  } catch {
    // fall back to the host name
  }
  return hostname();
}

/** Settles with the promise, or after `ms` with a note of what did not finish. */
async function within(ms: number, what: string, promise: Promise<unknown> | undefined): Promise<string | undefined> {
  if (!promise) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`${what} did not close within ${ms} ms`), ms)));
  try {
    return await Promise.race([
      promise.then(
        () => undefined,
        (error: Error) => `${what} failed to close: ${error?.message}`,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface Running {
  readonly server: Server;
  readonly port: number;
  readonly log: Log;
  /** Drains and closes; resolves when the process may exit. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Another store than the settings name (tests). */
  readonly store?: ItemStore;
  /** Another cache than the settings name (tests). */
  readonly cache?: Cache;
  /** Another session store than the settings name (tests). */
  readonly sessions?: SessionStore;
  /** Where log lines go; by default stdout, batched (tests collect them). */
  readonly sink?: LogSink;
  /** How long stop() waits for each dependency and the log; CLOSE_DEADLINE_MS unless a test wants less. */
  readonly closeDeadlineMs?: number;
}

export async function start(settings: Settings, options: StartOptions = {}): Promise<Running> {
  const closeDeadlineMs = options.closeDeadlineMs ?? CLOSE_DEADLINE_MS;
  const writer = options.sink ? undefined : new LineWriter(1);
  // Whatever ends the process (a crash included), what the log holds is written out first.
  if (writer) process.once('exit', () => writer.flushSync());
  const log = new Log(options.sink ?? writer!.sink);
  const event = (fields: LogFields) => log.event(fields);
  const store = options.store ?? storeFor(settings, event);
  const cache = options.cache ?? cacheFor(settings, event);
  const sessions = options.sessions ?? sessionStoreFor(settings, cache);
  const host = headerSafe(await identity());
  const handle = createApp({
    store,
    cache,
    cacheTtlSeconds: settings.cacheTtlSeconds,
    sessions,
    sessionTtlSeconds: settings.sessions.ttlSeconds,
    bodyLimitBytes: settings.bodyLimitBytes,
    identity: {
      stage: headerSafe(settings.stage),
      host,
      version: settings.version,
      region: headerSafe(settings.region),
      cacheKind: settings.cacheUrl?.startsWith('rediss:') ? 'managed' : 'local',
    },
    log,
    trustedOrigins: settings.trustedOrigins,
  });
  const answeredBy = `X-Stage: ${headerSafe(settings.stage)}\r\nX-Region: ${headerSafe(settings.region)}\r\nX-Served-By: ${host}\r\n`;

  const server = createServer({
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: settings.keepAliveSeconds * 1000,
    connectionsCheckingInterval: TIMEOUT_CHECK_MS,
  });
  server.maxConnections = settings.maxConnections;
  const connections = new Connections(server);
  server.on('request', (request, response) => {
    connections.track(response);
    handle(request, response);
  });
  /**
   * An answer written straight to the socket, for requests that never reach the app; the connection
   * closes. To HEAD, the headers only.
   */
  const answerRaw = (socket: Socket, status: number, message: string, extra = '', head = false) => {
    const body = JSON.stringify({ error: message });
    const id = randomUUID();
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nX-Request-Id: ${id}\r\n${answeredBy}${extra}Connection: close\r\n\r\n${head ? '' : body}`,
    );
    return { id, bytes: head ? 0 : Buffer.byteLength(body) };
  };
  // A request Node's parser refuses (malformed, headers too large, too slow) gets a JSON answer like any other.
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable || connections.answering(socket)) return void socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const message =
      status === 431
        ? 'the request headers are too large'
        : status === 408
          ? `the request did not arrive in time; allowed: headers within ${HEADERS_TIMEOUT_MS} ms, the whole request within ${REQUEST_TIMEOUT_MS} ms`
          : `malformed HTTP request (${error.code ?? 'parse error'})`;
    const head = error.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
    const { id, bytes } = answerRaw(socket, status, message, '', head);
    log.request('info', id, head ? 'HEAD' : '-', '-', status, 0, bytes, error.code);
  });
  // CONNECT (a proxy tunnel) is not something this service does; Node would close the connection unanswered.
  server.on('connect', (request: IncomingMessage, socket: Socket) => {
    const { id, bytes } = answerRaw(socket, 405, 'CONNECT is not allowed; this is not a proxy', 'Allow: GET, HEAD, POST\r\n');
    log.request('info', id, 'CONNECT', request.url?.slice(0, 200) ?? '-', 405, 0, bytes);
  });
  await new Promise<void>((resolve) => server.listen(settings.port, settings.host, resolve));
  const port = (server.address() as { port: number }).port;
  event({
    msg: 'listening',
    port,
    dataStore: store.kind,
    readers: store.hasReaders === true,
    cache: cache ? 'on' : 'off',
    sessions: sessions.kind,
    stage: settings.stage,
    version: settings.version,
  });

  let stopping: Promise<void> | undefined;
  async function stop(): Promise<void> {
    stopping ??= (async () => {
      event({ msg: 'draining', connections: connections.open, deadlineSeconds: settings.drainSeconds });
      const destroyed = await connections.drain(settings.drainSeconds * 1000);
      const problems = await Promise.all([
        within(closeDeadlineMs, 'the data store', store.close()),
        within(closeDeadlineMs, 'the cache', cache?.close()),
        within(closeDeadlineMs, 'the session store', sessions.close()),
      ]);
      event({
        msg: 'stopped',
        connectionsDestroyed: destroyed,
        ...(problems.some(Boolean) ? { level: 'warn', problems: problems.filter(Boolean) } : {}),
      });
      await within(closeDeadlineMs, 'the log', writer?.flush());
    })();
    return stopping;
  }
  return { server, port, log, stop };
}

if (require.main === module) {
  let settings: Settings;
  try {
    settings = readSettings(process.env);
  } catch (error) {
    process.stderr.write(`${error instanceof SettingsError ? error.message : String(error)}\n`);
    process.exit(2);
  }
  start(settings).then(
    (running) => {
      let stopping = false;
      const shutdown = () => {
        // Once: a second signal (Ctrl-C reaches every process of the group, and npm or tsx relays it
        // again) must not kill the drain with Node's default action, so the handlers stay installed.
        if (stopping) return;
        stopping = true;
        // The last resort, should a deadline above fail: the drain (at most 25 s), the dependencies and
        // the log (2 s each, the dependencies at once), then exit, before systemd or ECS kill at 30 s.
        setTimeout(() => process.exit(1), settings.drainSeconds * 1000 + 2 * CLOSE_DEADLINE_MS + 500).unref();
        void running.stop().then(() => process.exit(0));
      };
      process.on('SIGTERM', shutdown);
      process.on('SIGINT', shutdown);
    },
    (error) => {
      process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'failed to start', error: (error as Error).message })}\n`);
      process.exit(1);
    },
  );
}
