/**
 * Real engines on loopback for the service's behavioural tests, `npm run local` and the benchmark:
 * a throwaway PostgreSQL cluster (Debian's postgresql, run as an unprivileged user), Redis (Debian's
 * redis-server) and dynalite for DynamoDB. Each listens on 127.0.0.1 on a free port and is removed
 * when stopped. A missing engine fails with the command that installs it.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
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
    ...(existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort().reverse().map((v) => `/usr/lib/postgresql/${v}/bin`) : []),
  ];
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (!found) throw new Error(`PostgreSQL is not installed (no initdb and pg_ctl under /usr/lib/postgresql/*/bin or PG_BIN): ${INSTALL_HINT}`);
  return found;
}

export interface Postgres {
  readonly port: number;
  /** The directory of its Unix socket, as stage 1's service reaches its local PostgreSQL (DB_HOST). */
  readonly socketDirectory: string;
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
    socketDirectory: dir,
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
  /** redis://127.0.0.1:port, or with TLS rediss://localhost:port; with the password if one is set. */
  readonly url: string;
  /** With TLS: the certificate authority that signed the server's certificate (for NODE_EXTRA_CA_CERTS). */
  readonly caFile?: string;
  /** Freezes the server (SIGSTOP): connections stay open and nothing answers, as with a hung host. */
  pause(): void;
  /** Lets a paused server run again (SIGCONT). */
  resume(): void;
  stop(): Promise<void>;
}

export interface RedisOptions {
  /** Serve TLS only (as ElastiCache with in-transit encryption), with a certificate for localhost from a throwaway authority. */
  readonly tls?: boolean;
  /** Require this password (AUTH). */
  readonly password?: string;
}

/** A throwaway certificate authority and a certificate for localhost and 127.0.0.1 it signed. */
function certificates(dir: string): { ca: string; cert: string; key: string } {
  const file = (name: string) => join(dir, name);
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe', cwd: dir });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    openssl(['req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '2', '-subj', '/CN=zero-to-millions test authority']);
    openssl(['req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost']);
    writeFileSync(file('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    openssl(['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.crt'), '-days', '2', '-extfile', file('san.ext')]);
  } catch (error) {
    throw new Error(`openssl could not make the test certificates (${(error as Error).message.split('\n')[0]}): install it with: apt-get install -y openssl`);
  }
  return { ca: file('ca.crt'), cert: file('server.crt'), key: file('server.key') };
}

export async function startRedis(options: RedisOptions = {}): Promise<Redis> {
  const server = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
  if (!server) throw new Error(`Redis is not installed (no redis-server): ${INSTALL_HINT}`);
  const port = await freePort();
  const dir = options.tls ? mkdtempSync(join(tmpdir(), 'ztm-redis-')) : undefined;
  const tls = dir ? certificates(dir) : undefined;
  const args = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'];
  if (tls) args.push('--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no');
  else args.push('--port', String(port));
  if (options.password) args.push('--requirepass', options.password);
  const child: ChildProcess = spawn(server, args, { stdio: 'pipe' });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s: ${output}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`)));
  });
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    port,
    url: tls ? `rediss://${auth}localhost:${port}` : `redis://${auth}127.0.0.1:${port}`,
    caFile: tls?.ca,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    stop: () =>
      new Promise((resolve) => {
        const done = () => {
          if (dir) rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
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
    new CreateTableCommand({ TableName: tableName, KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }),
  );
  client.destroy();
  return { endpoint, tableName, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
