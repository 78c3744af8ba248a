/**
 * What one request costs each part of the stack, measured here: the service's CPU (all its threads,
 * and its main thread, which bounds one Node process), PostgreSQL's CPU (the postmaster and its
 * backends) and Redis's, per request on each path, with the bytes of each answer and of its log line.
 * These are the measured inputs of the capacity model (lib/capacity/inputs.json, `measured`);
 * `--record` writes them there with the date and the machine.
 *
 * Each row is a server of its own (the esbuild bundle, its log to a file on tmpfs), loaded on loopback
 * by autocannon in this process with CONNECTIONS keep-alive connections for ROUNDS samples of SECONDS;
 * the median sample stands for the row. PostgreSQL runs with fsync off (lib/engines.ts): a write here
 * costs CPU, not the flush to storage that RDS and Aurora wait for. Part of `npm run bench -- --only
 * capacity [--record]`, or on its own: `npx tsx scripts/bench-capacity.ts [--record]`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { serviceBundle } from '../lib/bundles';
import type { MeasuredInputs, ServicePath } from '../lib/capacity/inputs';
import { postgresProcesses, startMeter } from '../lib/capacity/processes';
import { freePort, scratchDirectory, startDynamoDb, startPostgres, startRedis, storeEnvironment } from '../lib/engines';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 20;
/** Items read at random: enough that reads are spread, few enough to be cached after the warm-up. */
const ITEMS = 200;
const INPUTS = join(__dirname, '..', 'lib', 'capacity', 'inputs.json');
const ITEM_BODY = '{"name":"bench","attributes":{"colour":"blue","size":3}}';

interface Server {
  readonly child: ChildProcess;
  readonly base: string;
  readonly log: string;
}

async function serve(logs: string, name: string, env: Record<string, string>): Promise<Server> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const log = join(logs, `${name}-${attempt}.log`);
    const fd = openSync(log, 'w');
    const child = spawn(process.execPath, [join(serviceBundle().directory, 'server.js')], {
      env: {
        PATH: process.env.PATH,
        ...env,
        PORT: String(port),
        LISTEN_HOST: '127.0.0.1',
        NODE_ENV: 'production',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', fd, 'ignore'],
    });
    closeSync(fd);
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 150 && child.exitCode === null; i++) {
      try {
        if ((await fetch(`${base}/readyz`)).ok) return { child, base, log };
      } catch {
        // not yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    if (attempt >= 3) throw new Error(`${name}: the service never became ready`);
  }
}

interface Sample {
  readonly requests: number;
  readonly serviceMicros: number;
  readonly mainThreadMicros: number;
  readonly postgresMicros: number;
  readonly redisMicros: number;
  readonly responseBytes: number;
  readonly logBytes: number;
  readonly errors: number;
}

/**
 * One sample of load on `server`: POSTs of new items (`write`), or GETs of the items: at random from
 * `ids`, or (`fresh`) each id once, taken from the front of `ids`, so that every read misses the cache.
 */
async function sample(
  server: Server,
  ids: string[],
  write: boolean | 'fresh',
  meters: { postgres?: () => number[]; redis?: number },
): Promise<Sample> {
  const pid = server.child.pid!;
  const service = startMeter(() => [pid]);
  const main = startMeter(() => [pid], true);
  const postgres = meters.postgres ? startMeter(meters.postgres) : undefined;
  const redis = meters.redis ? startMeter(() => [meters.redis!]) : undefined;
  const logBefore = statSync(server.log).size;
  const result = await autocannon({
    url: server.base,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      write === true
        ? { method: 'POST', path: '/items', headers: { 'content-type': 'application/json' }, body: ITEM_BODY }
        : {
            method: 'GET',
            setupRequest: (request: any) => ({
              ...request,
              path: `/items/${write === 'fresh' ? fresh(ids) : ids[Math.floor(Math.random() * ids.length)]}`,
            }),
          },
    ],
  });
  const requests = result.requests.total;
  const bad = Object.entries(result.statusCodeStats ?? {}).filter(([code]) => !code.startsWith('2'));
  return {
    requests,
    serviceMicros: service.elapsedMicros() / requests,
    mainThreadMicros: main.elapsedMicros() / requests,
    postgresMicros: postgres ? postgres.elapsedMicros() / requests : 0,
    redisMicros: redis ? redis.elapsedMicros() / requests : 0,
    responseBytes: result.throughput.total / requests,
    // The log is written in batches: read it after its writer's next flush.
    logBytes: (await settledSize(server.log)) - logBefore,
    errors: result.errors + result.timeouts + bad.reduce((n, [, s]: [string, any]) => n + s.count, 0),
  };
}

function fresh(ids: string[]): string {
  const id = ids.shift();
  if (id === undefined) throw new Error('the items to read once ran out: seed more (FRESH_ITEMS)');
  return id;
}

async function settledSize(path: string): Promise<number> {
  let size = statSync(path).size;
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const now = statSync(path).size;
    if (now === size) return now;
    size = now;
  }
  return size;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Items each read once by the cache-miss row: enough for its warm-up and its samples at this machine's rate. */
const FRESH_ITEMS = Number(process.env.BENCH_FRESH_ITEMS ?? 60_000);

/** Many items at once, written by autocannon: their ids, in the order they were answered. */
async function seedMany(base: string, amount: number): Promise<string[]> {
  const ids: string[] = [];
  await autocannon({
    url: base,
    connections: CONNECTIONS,
    amount,
    requests: [
      {
        method: 'POST',
        path: '/items',
        headers: { 'content-type': 'application/json' },
        body: ITEM_BODY,
        onResponse: (status: number, body: string) => {
          if (status === 201) ids.push(JSON.parse(body).id);
        },
      },
    ],
  });
  if (ids.length < amount * 0.99) throw new Error(`seeding: only ${ids.length} of ${amount} items were created`);
  return ids;
}

async function seed(base: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < ITEMS; i++) {
    const response = await fetch(`${base}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ITEM_BODY });
    if (response.status !== 201) throw new Error(`POST /items answered ${response.status}: ${await response.text()}`);
    ids.push(((await response.json()) as { id: string }).id);
  }
  return ids;
}

export async function benchCapacity(record: boolean): Promise<MeasuredInputs> {
  const started = new Date();
  const postgres = await startPostgres();
  const redis = await startRedis();
  const dynamodb = await startDynamoDb('items');
  const logs = scratchDirectory('ztm-capacity-logs-');
  const servers: Server[] = [];
  try {
    const database = storeEnvironment.postgresql(postgres);
    const table = storeEnvironment.dynamodb(dynamodb);
    const start = async (name: string, env: Record<string, string>) => {
      const server = await serve(logs, name, env);
      servers.push(server);
      return server;
    };
    const onPostgres = await start('postgresql', database);
    const cached = await start('cached', { ...database, CACHE_URL: redis.url, CACHE_TTL_SECONDS: '3600' });
    const onTable = await start('dynamodb', { ...table, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
    const pgIds = await seed(onPostgres.base);
    const tableIds = await seed(onTable.base);
    const freshIds = await seedMany(onPostgres.base, FRESH_ITEMS);
    const pg = () => postgresProcesses(postgres.dataDirectory);
    const rows: { path: ServicePath; server: Server; ids: string[]; write: boolean | 'fresh'; meters: Parameters<typeof sample>[3] }[] = [
      { path: 'read-postgresql', server: onPostgres, ids: pgIds, write: false, meters: { postgres: pg } },
      { path: 'read-cache-hit', server: cached, ids: pgIds, write: false, meters: { postgres: pg, redis: redis.pid } },
      { path: 'read-cache-miss', server: cached, ids: freshIds, write: 'fresh', meters: { postgres: pg, redis: redis.pid } },
      { path: 'write-postgresql', server: onPostgres, ids: pgIds, write: true, meters: { postgres: pg } },
      { path: 'read-dynamodb', server: onTable, ids: tableIds, write: false, meters: {} },
      { path: 'write-dynamodb', server: onTable, ids: tableIds, write: true, meters: {} },
    ];
    const results = new Map<ServicePath, Sample>();
    for (const row of rows) {
      await sample(row.server, row.ids, row.write, row.meters); // warm-up: JIT, pools, and every item into the cache
      const samples: Sample[] = [];
      for (let i = 0; i < ROUNDS; i++) samples.push(await sample(row.server, row.ids, row.write, row.meters));
      const pick = (f: (s: Sample) => number) => median(samples.map(f));
      const errors = samples.reduce((n, s) => n + s.errors, 0);
      if (errors > 0) throw new Error(`${row.path}: ${errors} requests failed; the figures would not describe the path`);
      results.set(row.path, {
        requests: pick((s) => s.requests),
        serviceMicros: pick((s) => s.serviceMicros),
        mainThreadMicros: pick((s) => s.mainThreadMicros),
        postgresMicros: pick((s) => s.postgresMicros),
        redisMicros: pick((s) => s.redisMicros),
        responseBytes: pick((s) => s.responseBytes),
        logBytes: pick((s) => s.logBytes / s.requests),
        errors,
      });
    }
    const get = (p: ServicePath) => results.get(p)!;
    const round = (n: number) => Number(n.toFixed(1));
    const measured: MeasuredInputs = {
      command: 'npm run bench -- --only capacity --record',
      date: started.toISOString().slice(0, 10),
      machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, shared`,
      method: `loopback, ${CONNECTIONS} keep-alive connections (autocannon), ${ROUNDS} samples of ${SECONDS} s per path, medians; CPU read from /proc per process; PostgreSQL ${postgresMajor()} with fsync off, Redis ${redisVersion()}, dynalite for DynamoDB (the service's own CPU only)`,
      serviceMicros: Object.fromEntries(
        rows.map((r) => [r.path, { all: round(get(r.path).serviceMicros), mainThread: round(get(r.path).mainThreadMicros) }]),
      ) as MeasuredInputs['serviceMicros'],
      postgresMicros: { read: round(get('read-postgresql').postgresMicros), write: round(get('write-postgresql').postgresMicros) },
      cacheMicros: { hit: round(get('read-cache-hit').redisMicros), miss: round(get('read-cache-miss').redisMicros) },
      responseBytes: { read: Math.round(get('read-postgresql').responseBytes), write: Math.round(get('write-postgresql').responseBytes) },
      logBytesPerRequest: Math.round(get('read-postgresql').logBytes),
    };
    print(measured, results);
    if (record) {
      const inputs = JSON.parse(readFileSync(INPUTS, 'utf8'));
      writeFileSync(INPUTS, `${JSON.stringify({ ...inputs, measured }, null, 2)}\n`);
      console.log(`recorded in ${INPUTS}`);
    }
    return measured;
  } finally {
    for (const s of servers) s.child.kill('SIGTERM');
    await redis.stop();
    await dynamodb.stop();
    postgres.destroy();
    rmSync(logs, { recursive: true, force: true });
  }
}

function postgresMajor(): string {
  const bin = ['/usr/lib/postgresql'].flatMap((d) => (existsSync(d) ? require('node:fs').readdirSync(d) : []));
  return bin.sort().at(-1) ?? '?';
}

function redisVersion(): string {
  try {
    return /v=([\d.]+)/.exec(require('node:child_process').execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? '?';
  } catch {
    return '?';
  }
}

function print(measured: MeasuredInputs, results: Map<ServicePath, Sample>): void {
  const recorded = (JSON.parse(readFileSync(INPUTS, 'utf8')) as { measured: MeasuredInputs }).measured;
  console.log('\nCapacity inputs: CPU per request on each path, by process (µs), measured on loopback');
  console.log(`${measured.date}, ${measured.machine}; ${measured.method}`);
  console.log(`recorded: the figures in lib/capacity/inputs.json (${recorded.date}), which the model uses`);
  console.log(
    `${'path'.padEnd(18)} ${'req/s'.padStart(7)} ${'service'.padStart(8)} ${'recorded'.padStart(9)} ${'main'.padStart(7)} ${'postgres'.padStart(9)} ${'redis'.padStart(6)} ${'bytes'.padStart(6)}`,
  );
  for (const [path, s] of results) {
    console.log(
      `${path.padEnd(18)} ${(s.requests / SECONDS).toFixed(0).padStart(7)} ${s.serviceMicros.toFixed(1).padStart(8)} ${String(recorded.serviceMicros[path]?.all ?? '–').padStart(9)} ${s.mainThreadMicros.toFixed(1).padStart(7)} ${s.postgresMicros.toFixed(1).padStart(9)} ${s.redisMicros.toFixed(1).padStart(6)} ${s.responseBytes.toFixed(0).padStart(6)}`,
    );
  }
  console.log(
    `PostgreSQL per read / write: ${measured.postgresMicros.read} / ${measured.postgresMicros.write} (recorded ${recorded.postgresMicros.read} / ${recorded.postgresMicros.write}); Redis per hit / miss: ${measured.cacheMicros.hit} / ${measured.cacheMicros.miss} (recorded ${recorded.cacheMicros.hit} / ${recorded.cacheMicros.miss})`,
  );
  console.log(`log line per request: ${measured.logBytesPerRequest} bytes`);
}

if (require.main === module) {
  benchCapacity(process.argv.includes('--record')).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
