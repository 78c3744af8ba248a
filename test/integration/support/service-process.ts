/**
 * The service as the stages run it: the esbuild bundle in a process of its own, configured by its
 * environment, its log (stdout) collected line by line. It listens on a port of its choosing
 * (PORT=0) and says which in its first log line, so no port is raced for.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { serviceBundle } from '../../../lib/bundles';
import { json, send } from '../../service/support/http';

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly base: string;
  readonly port: number;
  /** The log lines so far, parsed. */
  readonly logs: Record<string, any>[];
  /** Anything written to stderr. */
  stderr(): string;
  /** Sends SIGTERM; resolves with the exit code, or null if it had to be killed after `ms`. */
  terminate(ms?: number): Promise<number | null>;
  /** Resolves when the process has exited, with its code. */
  readonly exited: Promise<number | null>;
}

export { storeEnvironment } from '../../../lib/engines';

/**
 * A cache deadline a loaded machine meets, for tests whose subject is what the cache holds and who may
 * use it, not how long the service waits for it (the deployed default, CACHE_TIMEOUT_MS=50, stays for
 * the tests of that deadline: faults.itest). On a shared two-core machine redis-server or the service
 * can go unscheduled for longer than 50 ms, and a PING or SET past the deadline made /readyz
 * "degraded", a hit a miss, and a session a 503.
 */
export const UNHURRIED_CACHE = { CACHE_TIMEOUT_MS: '1000' } as const;

export interface StartOptions {
  /** How long the process may take to listen. */
  readonly startMs?: number;
  /**
   * Wait, after it listens, until GET /readyz says "ready": every dependency it was given has
   * answered. Its first cache connection (a secret read, TLS, AUTH) is made after it listens and can
   * take seconds on a busy machine; until then a session in the cache is a 503. A load balancer sends
   * a new server traffic only once its health checks pass; a test that needs the dependencies from
   * its first request waits likewise. @default - resolve as soon as it listens
   */
  readonly ready?: boolean;
}

export async function startService(env: Record<string, string>, options: StartOptions = {}): Promise<ServiceProcess> {
  const startMs = options.startMs ?? 20_000;
  const child = spawn(process.execPath, [join(serviceBundle().directory, 'server.js')], {
    env: {
      PATH: process.env.PATH,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      LISTEN_HOST: '127.0.0.1',
      PORT: '0',
      STAGE: 'integration',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, any>[] = [];
  let stderr = '';
  let partial = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service did not start within ${startMs} ms; stderr: ${stderr}`)), startMs);
    void exited.then((code) => reject(new Error(`the service exited with ${code} before listening; stderr: ${stderr}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const parsed = JSON.parse(line);
        logs.push(parsed);
        if (parsed.msg === 'listening') {
          clearTimeout(timer);
          resolve(parsed.port);
        }
      }
    });
  });
  const service: ServiceProcess = {
    child,
    port,
    base: `http://127.0.0.1:${port}`,
    logs,
    exited,
    stderr: () => stderr,
    async terminate(ms = 35_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(timer);
      return child.signalCode === 'SIGKILL' ? null : code;
    },
  };
  if (options.ready)
    await untilReady(service, startMs).catch(async (error) => {
      await service.terminate(); // the caller never gets it to end
      throw error;
    });
  return service;
}

/** Resolves once GET /readyz answers 200 "ready"; fails after `ms` with its last answer. */
export async function untilReady(service: ServiceProcess, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const answer = await send(service.base, '/readyz');
    if (answer.status === 200 && json(answer).status === 'ready') return;
    if (Date.now() > until) throw new Error(`the service was not ready within ${ms} ms: /readyz answered ${answer.status} ${answer.body}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Resolves once the service's log holds the line of every request it answered before the call, and
 * every line it wrote before them: the log goes out in batches (50 ms, service/src/log.ts), so a line
 * may come in well after its answer on a busy machine. A request of its own, with an id of its own,
 * is logged after all of them. Returns where the log stands: the index after that request's line.
 */
export async function logCaughtUp(service: ServiceProcess, ms = 10_000): Promise<number> {
  const requestId = `caught-up-${randomUUID()}`;
  await send(service.base, '/healthz', { headers: { 'X-Request-Id': requestId } });
  const deadline = Date.now() + ms;
  for (;;) {
    const at = service.logs.findIndex((l) => l.requestId === requestId);
    if (at >= 0) return at + 1;
    if (Date.now() > deadline) throw new Error(`the service did not log its request ${requestId} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
