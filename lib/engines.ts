/**
 * Real engines on loopback for the service's behavioural tests, `npm run local` and the benchmark:
 * a throwaway PostgreSQL cluster (Debian's postgresql, run as an unprivileged user), Redis (Debian's
 * redis-server) and dynalite for DynamoDB. Each listens on 127.0.0.1 on a free port and is removed
 * when stopped. A missing engine fails with the command that installs it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

export const INSTALL_HINT = 'install the engines with: apt-get install -y postgresql redis-server (as root), then npm ci';

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function findPostgresBin(): string {
  const candidates = [
    ...(process.env.PG_BIN ? [process.env.PG_BIN] : []),
    ...(existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .sort()
          .reverse()
          .map((v) => `/usr/lib/postgresql/${v}/bin`)
      : []),
  ];
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (!found)
    throw new Error(`PostgreSQL is not installed (no initdb and pg_ctl under /usr/lib/postgresql/*/bin or PG_BIN): ${INSTALL_HINT}`);
  return found;
}

export interface Postgres {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** Stops the server (fast shutdown: sessions are disconnected), keeping its data. */
  stop(): void;
  /** Starts it again on the same port with the same data. */
  start(): void;
  destroy(): void;
}

/** A PostgreSQL cluster of its own in a temporary directory; as root, it runs as the `postgres` user. */
export async function startPostgres(): Promise<Postgres> {
  const bin = findPostgresBin();
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'ztm-pg-'));
  const data = join(dir, 'data');
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(dir, 'pwfile'), password);
  chmodSync(dir, 0o755);
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  // PostgreSQL refuses to run as root: run its tools as the unprivileged postgres user.
  const run = (tool: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : join(bin, tool), asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args, {
      stdio: 'pipe',
      env: { ...process.env, PGPASSWORD: password },
    });
  run('initdb', ['-D', data, '-U', 'app', '--auth=scram-sha-256', `--pwfile=${join(dir, 'pwfile')}`, '-E', 'UTF8', '--no-instructions']);
  const port = await freePort();
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=100`;
  const start = () => run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
  const stop = () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  start();
  run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'app', 'app']);
  return {
    port,
    user: 'app',
    password,
    database: 'app',
    stop,
    start,
    destroy() {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Redis {
  readonly port: number;
  readonly url: string;
  /** Freezes the server (SIGSTOP): connections stay open and nothing answers, as with a hung host. */
  pause(): void;
  /** Lets a paused server run again (SIGCONT). */
  resume(): void;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<Redis> {
  const server = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
  if (!server) throw new Error(`Redis is not installed (no redis-server): ${INSTALL_HINT}`);
  const port = await freePort();
  const child: ChildProcess = spawn(
    server,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
    { stdio: 'pipe' },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start within 10 s')), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGCONT'); // a paused server cannot act on SIGTERM
        child.kill('SIGTERM');
      }),
  };
}

export interface DynamoDb {
  readonly endpoint: string;
  readonly tableName: string;
  stop(): Promise<void>;
}

/** dynalite (DynamoDB on loopback, in memory) with the table the stack creates: partition key `id`. */
export async function startDynamoDb(tableName = 'items'): Promise<DynamoDb> {
  let dynalite: (options: object) => import('node:http').Server;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    dynalite = require('dynalite');
  } catch (error) {
    throw new Error(`dynalite is not installed (${(error as Error).message.split('\n')[0]}): ${INSTALL_HINT}`);
  }
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  client.destroy();
  return { endpoint, tableName, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
