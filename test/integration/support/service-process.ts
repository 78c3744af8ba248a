/**
 * The service as the stages run it: the esbuild bundle in a process of its own, configured by its
 * environment, its log (stdout) collected line by line. It listens on a port of its choosing
 * (PORT=0) and says which in its first log line, so no port is raced for.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { serviceBundle } from '../../../lib/bundles';
import type { DynamoDb, Postgres } from '../../../lib/engines';

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

/** The environment of a service on each adapter. */
export const storeEnvironment = {
  postgresql: (postgres: Postgres) => ({
    DATA_STORE: 'postgresql-local',
    DB_HOST: '127.0.0.1',
    DB_PORT: String(postgres.port),
    DB_NAME: postgres.database,
    DB_USER: postgres.user,
    DB_PASSWORD: postgres.password,
  }),
  dynamodb: (dynamodb: DynamoDb) => ({
    DATA_STORE: 'dynamodb',
    TABLE_NAME: dynamodb.tableName,
    AWS_REGION: 'us-east-1',
    DYNAMODB_ENDPOINT: dynamodb.endpoint,
  }),
};

export async function startService(env: Record<string, string>, startMs = 20_000): Promise<ServiceProcess> {
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
  return {
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
}
