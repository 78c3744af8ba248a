/**
 * The service process: reads its settings, connects its store and cache, serves, and on SIGTERM
 * drains — stops accepting, finishes requests in flight, closes its pools — within the load
 * balancer's deregistration delay, so a scale-in or a deployment drops no request.
 */
import { createServer, Server, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createApp } from './app';
import { RedisCache } from './cache';
import { fromEnvironment, fromSecret } from './credentials';
import { DynamoDbStore } from './dynamodb-store';
import { PostgresStore } from './postgres-store';
import { readSettings, Settings, SettingsError } from './settings';
import type { ItemStore } from './store';

/** One JSON line per event on stdout, for journald or CloudWatch Logs. */
export const writeLog = (fields: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', ...fields })}\n`);

export function storeFor(settings: Settings, log: (fields: Record<string, unknown>) => void = writeLog): ItemStore {
  const s = settings.store;
  if (s.kind === 'dynamodb') return new DynamoDbStore({ tableName: s.tableName, region: s.region, endpoint: s.endpoint });
  const credentials = s.secretArn ? fromSecret(s.secretArn, new SecretsManagerClient({})) : fromEnvironment(s.user!, s.password);
  return new PostgresStore({ host: s.host, port: s.port, database: s.database, user: credentials.user, password: credentials.password, caFile: s.caFile }, log);
}

/**
 * Which instance or task this is: from ECS task metadata (on Fargate), from EC2 instance metadata
 * (IMDSv2) when the stage says the host is an instance (HOST_METADATA=ec2), otherwise the host name.
 * Nothing is asked of the network unless the stage says where it runs.
 */
async function identity(): Promise<string> {
  const withTimeout = (ms: number) => AbortSignal.timeout(ms);
  try {
    if (process.env.ECS_CONTAINER_METADATA_URI_V4) {
      const response = await fetch(`${process.env.ECS_CONTAINER_METADATA_URI_V4}/task`, { signal: withTimeout(1000) });
      const task = (await response.json()) as { TaskARN?: string };
      if (response.ok && task.TaskARN) return task.TaskARN;
    } else if (process.env.HOST_METADATA === 'ec2') {
      const token = await fetch('http://169.254.169.254/latest/api/token', { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' }, signal: withTimeout(500) });
      const id = await fetch('http://169.254.169.254/latest/meta-data/instance-id', { headers: { 'X-aws-ec2-metadata-token': await token.text() }, signal: withTimeout(500) });
      const instanceId = await id.text();
      if (token.ok && id.ok && /^i-[0-9a-f]{8,17}$/.test(instanceId)) return instanceId;
    }
  } catch {
    // fall back to the host name
  }
  return hostname();
}

export interface Running {
  readonly server: Server;
  readonly port: number;
  /** Drains and closes; resolves when the process may exit. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Another store than the settings name (tests). */
  readonly store?: ItemStore;
  readonly log?: (fields: Record<string, unknown>) => void;
}

export async function start(settings: Settings, options: StartOptions = {}): Promise<Running> {
  const log = options.log ?? writeLog;
  const store = options.store ?? storeFor(settings, log);
  const cache = settings.cacheUrl ? new RedisCache(settings.cacheUrl, log) : undefined;
  const handle = createApp({
    store,
    cache,
    cacheTtlSeconds: settings.cacheTtlSeconds,
    bodyLimitBytes: settings.bodyLimitBytes,
    identity: { stage: settings.stage, host: await identity(), version: settings.version },
    log,
  });

  let draining = false;
  const inFlight = new Set<ServerResponse>();
  let idle: (() => void) | undefined;
  // While draining, every answer closes its connection, so keep-alive clients reconnect elsewhere.
  const closeAfter = (response: ServerResponse) => response.headersSent || response.setHeader('Connection', 'close');
  const server = createServer((request, response) => {
    inFlight.add(response);
    if (draining) closeAfter(response);
    response.on('close', () => {
      inFlight.delete(response);
      if (inFlight.size === 0) idle?.();
    });
    void handle(request, response);
  });
  server.keepAliveTimeout = 65_000; // longer than the load balancer's idle timeout (60 s)
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve) => server.listen(settings.port, settings.host, resolve));
  const port = (server.address() as { port: number }).port;
  log({ msg: 'listening', port, dataStore: store.kind, cache: cache ? 'on' : 'off', stage: settings.stage });

  async function stop(): Promise<void> {
    if (draining) return;
    draining = true;
    log({ msg: 'draining', inFlight: inFlight.size });
    inFlight.forEach(closeAfter);
    server.close();
    server.closeIdleConnections();
    const drained = inFlight.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve));
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, settings.drainSeconds * 1000).unref())]);
    server.closeAllConnections();
    await Promise.allSettled([store.close(), cache?.close()]);
    log({ msg: 'stopped', unfinished: inFlight.size });
  }
  return { server, port, stop };
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
      const shutdown = () => void running.stop().then(() => process.exit(0));
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
    },
    (error) => {
      writeLog({ level: 'error', msg: 'failed to start', error: (error as Error).message });
      process.exit(1);
    },
  );
}
