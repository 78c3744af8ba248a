/**
 * Real engines on loopback for the service's behavioural tests, `npm run local` and the benchmark:
 * a throwaway PostgreSQL cluster (Debian's postgresql, run as an unprivileged user), a primary and a
 * streaming replica of it (stage 4's writer and reader), Redis (Debian's redis-server), with TLS, a
 * throwaway certificate authority and an ACL user as the managed cache has them (stage 5), dynalite
 * for DynamoDB; and what AWS puts between them: a TCP proxy standing in for an endpoint that moves
 * (Aurora's cluster endpoint) or a load balancer, a Secrets Manager that serves secrets a test can
 * change, and the CDN's split of one origin between the page (/web/) and the API (lib/local-edge.ts). Each listens on
 * 127.0.0.1 on a free port and is removed when stopped. A missing engine fails with the command
 * that installs it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CACHE_ACCESS_STRING, CACHE_USER, TABLE_PARTITION_KEY } from './data-contract';

// The CDN's split of one origin between the page and the API has a file of its own; it is started with the engines.
export { type LocalEdge, startLocalEdge } from './local-edge';

/** Debian's packages of every engine the integration suite runs: what `.ci/run` installs on a fresh machine. */
export const ENGINE_PACKAGES = ['postgresql', 'redis-server', 'chromium', 'openssl'] as const;
/** All of them at once, so whoever meets the first missing one does not meet the next one after it. */
export const INSTALL_HINT = `install the engines with: apt-get install -y ${ENGINE_PACKAGES.join(' ')} (as root), then npm ci`;
export const OPENSSL_INSTALL = 'apt-get install -y openssl';
export const CHROMIUM_INSTALL = 'apt-get install -y chromium';

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

/** What the functions here start, and how each ends: an engine (destroy or stop) or a process (terminate). */
type Ends = { destroy(): unknown } | { terminate(): unknown } | { stop(): unknown };
const end = (started: Ends) => ('destroy' in started ? started.destroy() : 'terminate' in started ? started.terminate() : started.stop());

/**
 * Starts several things at once, as Promise.all does; when one fails, ends the others that started
 * before it throws. A failed start (a missing engine) otherwise leaves a server running that no
 * afterAll knows of, and the test process, holding its socket, never exits.
 */
export async function startTogether<T extends readonly Ends[]>(...starting: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(starting);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (!failure) return settled.map((s) => (s as PromiseFulfilledResult<Ends>).value) as unknown as T;
  await Promise.allSettled(settled.map(async (s) => (s.status === 'fulfilled' ? end(s.value) : undefined)));
  throw failure.reason;
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
  /** The directory of its Unix socket, as stage 1's service reaches its local PostgreSQL (DB_HOST). */
  readonly socketDirectory: string;
  /** Its data directory, whose postmaster.pid names the server's process (lib/capacity/processes.ts reads its CPU). */
  readonly dataDirectory: string;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** Stops the server (fast shutdown: sessions are disconnected), keeping its data. */
  stop(): void;
  /** Starts it again on the same port with the same data. */
  start(): void;
  destroy(): void;
}

/** Runs PostgreSQL's tools; as root, as the unprivileged `postgres` user (PostgreSQL refuses to run as root). */
function postgresTools(dir: string) {
  const bin = findPostgresBin();
  const asRoot = userInfo().uid === 0;
  chmodSync(dir, 0o755);
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  return (tool: string, args: string[], password?: string) =>
    execFileSync(asRoot ? 'runuser' : join(bin, tool), asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args, {
      stdio: 'pipe',
      env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) },
    });
}

/** One PostgreSQL server over a data directory: started, stopped, promoted. */
export interface PostgresServer {
  readonly port: number;
  /** Stops it: `fast` disconnects sessions cleanly; `immediate` is a crash (no shutdown checkpoint). */
  stop(mode?: 'fast' | 'immediate'): void;
  start(): void;
  /** Ends recovery: a replica becomes a primary that takes writes (what a failover does to a reader). */
  promote(): void;
}

function postgresServer(run: ReturnType<typeof postgresTools>, dir: string, name: string, port: number, extra = ''): PostgresServer {
  const data = join(dir, name);
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=100 ${extra}`;
  return {
    port,
    start: () => run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, `${name}.log`), '-w', '-t', '30', 'start']),
    stop: (mode = 'fast') => run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']),
    promote: () => run('pg_ctl', ['-D', data, '-w', '-t', '30', 'promote']),
  };
}

const newPassword = () => `pw-${Math.random().toString(36).slice(2)}`;

/**
 * A new cluster in dir/name whose superuser logs in with a password only (as RDS's master user does).
 * In the C locale, whatever LANG says: initdb takes its locale from the environment and stops at one
 * the machine has not generated (ssh passes the client's LANG and LC_* on by default on Debian).
 */
function initCluster(run: ReturnType<typeof postgresTools>, dir: string, name: string, superuser: string, password: string): void {
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, password);
  run('initdb', [
    '-D',
    join(dir, name),
    '-U',
    superuser,
    '--auth=scram-sha-256',
    `--pwfile=${pwfile}`,
    '-E',
    'UTF8',
    '--no-locale',
    '--no-instructions',
  ]);
}

/** Stops each server that runs (as `mode` says) and removes the cluster's directory. */
function removeCluster(dir: string, servers: readonly PostgresServer[], mode: 'fast' | 'immediate'): void {
  for (const server of servers) {
    try {
      server.stop(mode);
    } catch {
      // not running
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A cluster made by `setup` in a new temporary directory. When a step fails (PostgreSQL missing,
 * initdb refusing the locale, a port taken meanwhile), what it started is stopped and the directory
 * removed before the error goes on: the caller has no handle to destroy them with.
 */
async function newCluster<T>(prefix: string, setup: (dir: string, servers: PostgresServer[]) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const servers: PostgresServer[] = [];
  try {
    return await setup(dir, servers);
  } catch (error) {
    removeCluster(dir, servers, 'immediate');
    throw error;
  }
}

/** A PostgreSQL cluster of its own in a temporary directory; as root, it runs as the `postgres` user. */
export function startPostgres(): Promise<Postgres> {
  return newCluster('ztm-pg-', async (dir, servers) => {
    const password = newPassword();
    const run = postgresTools(dir);
    initCluster(run, dir, 'data', 'app', password);
    const server = postgresServer(run, dir, 'data', await freePort());
    servers.push(server);
    server.start();
    run('createdb', ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'app', 'app'], password);
    return {
      port: server.port,
      socketDirectory: dir,
      dataDirectory: join(dir, 'data'),
      user: 'app',
      password,
      database: 'app',
      stop: () => server.stop(),
      start: server.start,
      destroy: () => removeCluster(dir, [server], 'fast'),
    };
  });
}

export interface ReplicatedPostgres {
  /** The writer: takes writes and streams its log to the replica. */
  readonly primary: PostgresServer;
  /** A hot standby made with pg_basebackup -R: it answers reads, a little behind the primary. */
  readonly replica: PostgresServer;
  /** The application's login (not a superuser); its password is what a test rotates. */
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** A superuser's login, for the test's own statements (ALTER ROLE, pg_wal_replay_pause()). */
  readonly admin: { readonly user: string; readonly password: string };
  destroy(): void;
}

/**
 * Stage 4's database on loopback: a primary and a streaming replica of it (`pg_basebackup -R`), as
 * Aurora's writer and reader. Replication is synchronous (a commit waits for the replica to have
 * its log), which is what Aurora's shared storage gives: a write acknowledged before a failover is
 * there after it. The replica still applies the log a little later, as a reader lags.
 */
export function startReplicatedPostgres(): Promise<ReplicatedPostgres> {
  return newCluster('ztm-pg-replicated-', async (dir, servers) => {
    const [adminPassword, appPassword, replicationPassword] = [newPassword(), newPassword(), newPassword()];
    const run = postgresTools(dir);
    initCluster(run, dir, 'primary', 'postgres', adminPassword);
    const [primaryPort, replicaPort] = [await freePort(), await freePort()];
    const primary = postgresServer(run, dir, 'primary', primaryPort, "-c synchronous_standby_names='*' -c wal_level=replica");
    servers.push(primary);
    primary.start();
    const sql = (statement: string) =>
      run(
        'psql',
        [
          '-h',
          '127.0.0.1',
          '-p',
          String(primaryPort),
          '-U',
          'postgres',
          '-d',
          'postgres',
          '-v',
          'ON_ERROR_STOP=1',
          '-c',
          'SET synchronous_commit = local',
          '-c',
          statement,
        ],
        adminPassword,
      );
    // Until the replica is there, a synchronous commit would wait for it: these commit locally.
    sql(`CREATE ROLE app LOGIN PASSWORD '${appPassword}'`);
    sql(`CREATE ROLE replicator REPLICATION LOGIN PASSWORD '${replicationPassword}'`);
    sql('CREATE DATABASE app OWNER app');
    run(
      'pg_basebackup',
      ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'replicator', '-D', join(dir, 'replica'), '-R', '-X', 'stream', '-c', 'fast'],
      replicationPassword,
    );
    const replica = postgresServer(run, dir, 'replica', replicaPort, '-c hot_standby=on -c hot_standby_feedback=on');
    servers.push(replica);
    replica.start();
    return {
      primary,
      replica,
      user: 'app',
      password: appPassword,
      database: 'app',
      admin: { user: 'postgres', password: adminPassword },
      destroy: () => removeCluster(dir, [replica, primary], 'immediate'),
    };
  });
}

export interface Redis {
  readonly port: number;
  /** The redis-server process. */
  readonly pid: number;
  /** redis://127.0.0.1:port, or rediss:// with TLS. */
  readonly url: string;
  /** With TLS: the throwaway certificate authority that signed the server's certificate (for NODE_EXTRA_CA_CERTS). */
  readonly caFile?: string;
  /** With a user: the managed cache's user name and its password (the default user is off). */
  readonly user?: { readonly name: string; readonly password: string };
  /** Freezes the server (SIGSTOP): connections stay open and nothing answers, as with a hung host. */
  pause(): void;
  /** Lets a paused server run again (SIGCONT). */
  resume(): void;
  stop(): Promise<void>;
}

export interface RedisOptions {
  /**
   * As the managed cache is: TLS only (no plain port) with a certificate from a throwaway CA made
   * with openssl for this server alone, the default user off, and the service's user with exactly
   * CACHE_ACCESS_STRING and a password.
   */
  readonly managed?: boolean;
}

/** A certificate authority and a certificate it signed for 127.0.0.1 and localhost, made with openssl in `dir`. */
function throwawayCertificates(dir: string): { ca: string; cert: string; key: string } {
  if (!existsSync('/usr/bin/openssl')) throw new Error(`openssl is not installed (no /usr/bin/openssl): ${OPENSSL_INSTALL}`);
  const openssl = (...args: string[]) => execFileSync('/usr/bin/openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=zero-to-millions throwaway CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '1',
    '-extfile',
    'server.ext',
  );
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

export async function startRedis(options: RedisOptions = {}): Promise<Redis> {
  const server = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
  if (!server) throw new Error(`Redis is not installed (no redis-server): ${INSTALL_HINT}`);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ztm-redis-'));
  // The pid file names the process for whatever must end it if its owner cannot (lib/reaper.ts).
  const common = ['bind 127.0.0.1', 'save ""', 'appendonly no', `dir ${dir}`, `pidfile ${join(dir, 'redis.pid')}`];
  let config: string[];
  let user: Redis['user'];
  let caFile: string | undefined;
  if (options.managed) {
    const certificates = throwawayCertificates(dir);
    caFile = certificates.ca;
    user = { name: CACHE_USER, password: newPassword() };
    config = [
      ...common,
      'port 0',
      `tls-port ${port}`,
      `tls-cert-file ${certificates.cert}`,
      `tls-key-file ${certificates.key}`,
      `tls-ca-cert-file ${certificates.ca}`,
      'tls-auth-clients no',
      'user default off',
      `user ${user.name} >${user.password} ${CACHE_ACCESS_STRING}`,
    ];
  } else {
    config = [...common, `port ${port}`, 'protected-mode yes'];
  }
  writeFileSync(join(dir, 'redis.conf'), `${config.join('\n')}\n`);
  const child: ChildProcess = spawn(server, [join(dir, 'redis.conf')], { stdio: 'pipe' });
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
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
  });
  return {
    port,
    pid: child.pid!,
    url: `${options.managed ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    caFile,
    user,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    stop: () =>
      new Promise((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
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

/**
 * dynalite (DynamoDB on loopback, in memory) with the table the stack creates (partition key `id`),
 * and any others named (stage 6's session table has the same key).
 */
export async function startDynamoDb(tableName = 'items', ...otherTables: string[]): Promise<DynamoDb> {
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
  for (const table of [tableName, ...otherTables]) {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: TABLE_PARTITION_KEY, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: TABLE_PARTITION_KEY, AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
  client.destroy();
  return { endpoint, tableName, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface TcpProxy {
  readonly port: number;
  /**
   * Where new connections go: to each port in turn (a load balancer), or to the one port given (an
   * endpoint that moves, as Aurora's cluster endpoint does in a failover). Connections already open
   * stay where they are, as they do on AWS, until their server goes.
   */
  point(...ports: number[]): void;
  /** Bytes the clients sent through the proxy to each port: which server did the work. */
  readonly received: ReadonlyMap<number, number>;
  stop(): Promise<void>;
}

/**
 * A TCP proxy on loopback. A port that refuses the connection is skipped for the next one, as a load
 * balancer skips a target that is down; when none accepts, the client's connection is closed. It
 * listens on `listen` (any 127.x address: two endpoints on one port, as Aurora's are), by default
 * on 127.0.0.1 and a free port.
 */
export async function startTcpProxy(ports: number[], listen: { host?: string; port?: number } = {}): Promise<TcpProxy> {
  let upstreams = ports;
  let turn = 0;
  const received = new Map<number, number>();
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const server = createServer((client) => {
    track(client);
    client.pause();
    const candidates = upstreams.map((_, i) => upstreams[(turn + i) % upstreams.length]);
    turn = (turn + 1) % Math.max(1, upstreams.length);
    const attempt = (i: number) => {
      if (i >= candidates.length || client.destroyed) return void client.destroy();
      const port = candidates[i];
      const upstream = connect(port, '127.0.0.1');
      let connected = false;
      track(upstream);
      upstream.once('error', () => {
        if (!connected) attempt(i + 1);
      });
      upstream.once('connect', () => {
        connected = true;
        client.on('data', (chunk: Buffer) => received.set(port, (received.get(port) ?? 0) + chunk.length));
        client.pipe(upstream);
        upstream.pipe(client);
        client.once('close', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
        client.resume();
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port ?? 0, listen.host ?? '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as { port: number }).port,
    point: (...next: number[]) => {
      upstreams = next;
    },
    received,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface SecretsManager {
  /** For AWS_ENDPOINT_URL_SECRETS_MANAGER: the SDK sends GetSecretValue here. */
  readonly endpoint: string;
  /** The environment a process needs to use it with the real SDK (endpoint, region, throwaway credentials). */
  readonly environment: Record<string, string>;
  /** Sets (or rotates) a secret's value. */
  put(secretId: string, value: object): void;
  /** How many times each secret was read. */
  readonly reads: ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

/**
 * Secrets Manager's GetSecretValue on loopback (its JSON protocol), serving secrets a test sets and
 * rotates; the service reads them through the real SDK, told the endpoint by AWS_ENDPOINT_URL_SECRETS_MANAGER.
 */
export async function startSecretsManager(): Promise<SecretsManager> {
  const secrets = new Map<string, string>();
  const reads = new Map<string, number>();
  const server: HttpServer = createHttpServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk));
    request.on('end', () => {
      const answer = (status: number, value: object) => {
        const text = JSON.stringify(value);
        response.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(text) });
        response.end(text);
      };
      if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue')
        return answer(400, { __type: 'InvalidRequestException', message: `not served here: ${request.headers['x-amz-target']}` });
      const id = String((JSON.parse(body || '{}') as { SecretId?: string }).SecretId);
      const value = secrets.get(id);
      if (value === undefined) return answer(400, { __type: 'ResourceNotFoundException', message: `no secret ${id}` });
      reads.set(id, (reads.get(id) ?? 0) + 1);
      answer(200, {
        ARN: id,
        Name: id,
        SecretString: value,
        VersionId: `v${reads.get(id)}`,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 0,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    endpoint,
    environment: {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    },
    put: (secretId, value) => void secrets.set(secretId, JSON.stringify(value)),
    reads,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The environment that points the service at an engine here: PostgreSQL, or a table on dynalite. */
export const storeEnvironment = {
  postgresql: (postgres: Postgres): Record<string, string> => ({
    DATA_STORE: 'postgresql-local',
    DB_HOST: '127.0.0.1',
    DB_PORT: String(postgres.port),
    DB_NAME: postgres.database,
    DB_USER: postgres.user,
    DB_PASSWORD: postgres.password,
  }),
  dynamodb: (dynamodb: DynamoDb): Record<string, string> => ({
    DATA_STORE: 'dynamodb',
    TABLE_NAME: dynamodb.tableName,
    AWS_REGION: 'us-east-1',
    DYNAMODB_ENDPOINT: dynamodb.endpoint,
  }),
};

/**
 * A directory of its own for logs a measurement writes, on tmpfs where there is one: the disk's
 * writeback of a busy log (kernel threads, not the process measured) would blur every figure.
 */
export const scratchDirectory = (prefix: string) => mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), prefix));
