/**
 * What the workload service costs per request, next to a bare node:http server answering the same
 * JSON in the same run, and next to the same service on Fastify (service/fastify/server.ts).
 *
 * The figure is server CPU time per request: the CPU of all threads of the server process (event
 * loop, libuv pool, garbage collector), read from /proc before and after the load, divided by the
 * requests it answered. The load generator sharing this machine does not count; the ratio bare ÷
 * service is the share of bare speed the service keeps. Each row is measured between two samples of
 * the bare server, in several rounds, and the median ratio stands for it, because this machine is
 * shared and gets busier and quieter by the second.
 *
 * Servers run as the stages run them: the esbuild bundle, in a process of its own, its log written
 * to a file (on tmpfs where there is one: the disk's writeback of a busy log, done by kernel
 * threads, would blur every figure). Part of `npm run bench`, or on its own:
 * `npx tsx scripts/bench-service.ts` (BENCH_ROUNDS, BENCH_SECONDS, BENCH_VERBOSE=1 for each sample).
 * Needs the engines of the integration suite; the load stays on 127.0.0.1 and is bounded in time:
 * ROUNDS x (2 x rows + 1) samples of SECONDS, after a warm-up of each row.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { buildSync } from 'esbuild';
import { serviceBundle } from '../lib/bundles';
import { freePort, scratchDirectory, startPostgres, startRedis, storeEnvironment } from '../lib/engines';

/** Seconds of load per sample, samples per row, and the warm-up of each row before its first sample. */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARM_SECONDS = 1;
const CONNECTIONS = 50;
/** BENCH_FASTIFY=0 leaves out the Fastify rows (to measure a version of the service that has no variant). */
const FASTIFY = process.env.BENCH_FASTIFY !== '0';

/** Nanoseconds of CPU the process has used, summed over its threads (event loop, libuv pool, GC). */
function cpuNanoseconds(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  return total;
}

interface Sample {
  readonly requestsPerSecond: number;
  readonly cpuMicros: number;
  readonly p99Ms: number;
  readonly errors: number;
}

async function sample(pid: number, url: string, seconds: number): Promise<Sample> {
  const before = cpuNanoseconds(pid);
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds, pipelining: 1 });
  const cpu = cpuNanoseconds(pid) - before;
  const requests = result.requests.total;
  return {
    requestsPerSecond: requests / seconds,
    cpuMicros: cpu / 1000 / requests,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

const BARE = `require('node:http').createServer((q, s) => { const b = '{"status":"ok"}'; s.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': b.length }); s.end(b); }).listen(Number(process.env.PORT), '127.0.0.1');`;

/** The Fastify variant (service/fastify/server.ts), bundled as the service is. */
function bundleFastify(directory: string): string {
  const outfile = join(directory, 'fastify-server.js');
  buildSync({
    entryPoints: [join(__dirname, '..', 'service', 'fastify', 'server.ts')],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    external: ['pg-native', 'cloudflare:sockets'],
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

interface Server {
  readonly label: string;
  readonly child: ChildProcess;
  readonly base: string;
}

export async function benchService(): Promise<void> {
  const started = new Date();
  const postgres = await startPostgres();
  const redis = await startRedis();
  const logs = scratchDirectory('ztm-bench-logs-');
  const servers: Server[] = [];
  const fastifyDirectory = mkdtempSync(join(tmpdir(), 'ztm-bench-fastify-'));
  try {
    const database = { ...storeEnvironment.postgresql(postgres), LISTEN_HOST: '127.0.0.1' };
    /** A server in a process of its own, its stdout (the request log) written to a file, as journald or the awslogs driver would. */
    const serve = async (label: string, args: string[], env: Record<string, string>): Promise<Server> => {
      // A free port can be taken by an outgoing connection before the server binds it: try another.
      for (let attempt = 1; ; attempt++) {
        const port = await freePort();
        const log = openSync(join(logs, `${servers.length}-${attempt}.log`), 'w');
        const child = spawn(process.execPath, args, {
          env: {
            PATH: process.env.PATH,
            ...env,
            PORT: String(port),
            NODE_ENV: 'production',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
          stdio: ['ignore', log, attempt < 3 ? 'ignore' : 'inherit'],
        });
        closeSync(log);
        const server = { label, child, base: `http://127.0.0.1:${port}` };
        try {
          await waitFor(`${server.base}/healthz`, child);
          servers.push(server);
          return server;
        } catch (error) {
          child.kill('SIGKILL');
          if (attempt >= 3) throw new Error(`${label}: ${(error as Error).message}`);
        }
      }
    };
    const bundle = join(serviceBundle().directory, 'server.js');
    const fastifyBundle = FASTIFY ? bundleFastify(fastifyDirectory) : '';
    const bare = await serve('bare node:http', ['-e', BARE], {});
    const cached = await serve('service (Redis cache)', [bundle], { ...database, CACHE_URL: redis.url });
    const uncached = await serve('service (no cache)', [bundle], database);
    const fastifyCached = FASTIFY
      ? await serve('Fastify (Redis cache)', [fastifyBundle], { ...database, CACHE_URL: redis.url })
      : undefined;
    const fastifyUncached = FASTIFY ? await serve('Fastify (no cache)', [fastifyBundle], database) : undefined;

    const created = await fetch(`${cached.base}/items`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"name":"bench","attributes":{"colour":"blue","size":3}}',
    });
    if (created.status !== 201) throw new Error(`POST /items answered ${created.status}: ${await created.text()}`);
    const { id } = (await created.json()) as { id: string };
    await fetch(`${cached.base}/items/${id}`); // fills the cache

    const bareRow = { label: 'bare node:http, the same JSON as /healthz', server: bare, path: '/healthz' };
    const rows: { label: string; server: Server; path: string; goal?: number }[] = [
      { label: 'service GET /healthz', server: cached, path: '/healthz', goal: 75 },
      { label: 'service GET /items/:id, cache hit (Redis)', server: cached, path: `/items/${id}`, goal: 50 },
      { label: 'service GET /items/:id, read (PostgreSQL)', server: uncached, path: `/items/${id}`, goal: 25 },
      ...(fastifyCached && fastifyUncached
        ? [
            { label: 'Fastify GET /healthz', server: fastifyCached, path: '/healthz' },
            { label: 'Fastify GET /items/:id, cache hit (Redis)', server: fastifyCached, path: `/items/${id}` },
            { label: 'Fastify GET /items/:id, read (PostgreSQL)', server: fastifyUncached, path: `/items/${id}` },
          ]
        : []),
    ];
    const url = (row: typeof bareRow) => `${row.server.base}${row.path}`;
    for (const row of [bareRow, ...rows]) await sample(row.server.child.pid!, url(row), WARM_SECONDS);
    // Each round measures bare, row 1, bare, row 2, ..., bare: every row is set against the bare
    // samples just before and after it, so a slower or busier machine for a while (this one is shared)
    // weighs on both sides of its ratio. The median over the rounds stands for the row.
    const bareSamples: Sample[] = [];
    const samples = rows.map(() => [] as Sample[]);
    const ratios = rows.map(() => [] as number[]);
    for (let round = 0; round < ROUNDS; round++) {
      let before = await sample(bare.child.pid!, url(bareRow), SECONDS);
      bareSamples.push(before);
      for (const [i, row] of rows.entries()) {
        const measured = await sample(row.server.child.pid!, url(row), SECONDS);
        const after = await sample(bare.child.pid!, url(bareRow), SECONDS);
        bareSamples.push(after);
        samples[i].push(measured);
        ratios[i].push((before.cpuMicros + after.cpuMicros) / 2 / measured.cpuMicros);
        if (process.env.BENCH_VERBOSE)
          console.log(
            `round ${round + 1}: ${row.label}: ${measured.cpuMicros.toFixed(1)} µs/req against bare ${before.cpuMicros.toFixed(1)}/${after.cpuMicros.toFixed(1)}`,
          );
        before = after;
      }
    }

    const line = (label: string, ss: Sample[], ratio: string, goal: string) =>
      `${label.padEnd(44)} ${median(ss.map((s) => s.requestsPerSecond))
        .toFixed(0)
        .padStart(7)} ${median(ss.map((s) => s.p99Ms))
        .toFixed(1)
        .padStart(7)} ${String(ss.reduce((n, s) => n + s.errors, 0)).padStart(7)} ${median(ss.map((s) => s.cpuMicros))
        .toFixed(1)
        .padStart(11)} ${ratio.padStart(9)} ${goal.padStart(7)}`;
    console.log(`\nWorkload service: server CPU time per request, against a bare node:http server answering the same JSON`);
    console.log(
      `measured ${started.toISOString()} on Node ${process.version}, ${cpus().length} CPUs; loopback, ${CONNECTIONS} keep-alive connections (autocannon, in this process);`,
    );
    console.log(
      `each server a process of its own writing its log to a file; ${ROUNDS} rounds of ${SECONDS} s samples, bare measured before and after each row; medians`,
    );
    console.log(
      `${''.padEnd(44)} ${'req/s'.padStart(7)} ${'p99 ms'.padStart(7)} ${'errors'.padStart(7)} ${'CPU µs/req'.padStart(11)} ${'of bare'.padStart(9)} ${'goal'.padStart(7)}`,
    );
    console.log(line(bareRow.label, bareSamples, '100 %', ''));
    for (const [i, row] of rows.entries()) {
      const ratio = 100 * median(ratios[i]);
      console.log(
        line(row.label, samples[i], `${ratio.toFixed(0)} %`, row.goal ? `${ratio >= row.goal ? '≥' : 'MISSED'} ${row.goal} %` : ''),
      );
    }
    if (FASTIFY) {
      const share = (label: string) => median(ratios[rows.findIndex((r) => r.label === label)]);
      const versus = (route: string) => (share(`service ${route}`) / share(`Fastify ${route}`)).toFixed(2);
      console.log(
        `Fastify spends ${versus('GET /healthz')}x the CPU of the hand-written service per /healthz, ${versus('GET /items/:id, cache hit (Redis)')}x per cache hit, ${versus('GET /items/:id, read (PostgreSQL)')}x per PostgreSQL read`,
      );
    }
    const logBytes = readdirSync(logs).reduce((sum, f) => sum + statSync(join(logs, f)).size, 0);
    console.log(
      `request logs written: ${(logBytes / 1024 / 1024).toFixed(1)} MiB; the service part of the bench took ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`,
    );
  } finally {
    for (const s of servers) s.child.kill('SIGTERM');
    await redis.stop();
    postgres.destroy();
    rmSync(logs, { recursive: true, force: true });
    rmSync(fastifyDirectory, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchService().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
