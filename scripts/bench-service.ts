/**
 * Throughput of the workload service on loopback, next to a bare node:http server answering the
 * same JSON in the same run: the bare server is the ceiling for one Node process here, and the
 * ratio is the figure to report. Part of `npm run bench`; needs the engines of the integration
 * suite (PostgreSQL, Redis). Load is bounded in time and stays on 127.0.0.1.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { serviceBundle } from '../lib/constructs/web-app';
import { freePort, startPostgres, startRedis } from '../lib/engines';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 50;

interface Figures {
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly errors: number;
}

async function load(url: string): Promise<Figures> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, pipelining: 1 });
  return { requestsPerSecond: result.requests.average, p99Ms: result.latency.p99, errors: result.errors + result.non2xx };
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

/** A process of its own, so the load generator does not share its event loop. */
function run(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, args, { env: { ...process.env, ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, stdio: 'ignore' });
}

const BARE = `require('node:http').createServer((q, s) => { const b = '{"status":"ok"}'; s.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': b.length }); s.end(b); }).listen(Number(process.env.PORT), '127.0.0.1');`;

export async function benchService(): Promise<void> {
  const postgres = await startPostgres();
  const redis = await startRedis();
  const server = join(serviceBundle().directory, 'server.js');
  const children: ChildProcess[] = [];
  try {
    const database = { DATA_STORE: 'postgresql-local', DB_HOST: '127.0.0.1', DB_PORT: String(postgres.port), DB_USER: postgres.user, DB_PASSWORD: postgres.password, LISTEN_HOST: '127.0.0.1' };
    const [barePort, cachedPort, uncachedPort] = [await freePort(), await freePort(), await freePort()];
    children.push(run(['-e', BARE], { PORT: String(barePort) }));
    // The service as the stages run it: the esbuild bundle, with stdout (its request log) discarded.
    children.push(run([server], { ...database, PORT: String(cachedPort), CACHE_URL: redis.url }));
    children.push(run([server], { ...database, PORT: String(uncachedPort) }));
    await Promise.all([barePort, cachedPort, uncachedPort].map((p) => waitFor(`http://127.0.0.1:${p}/healthz`)));

    const created = (await (await fetch(`http://127.0.0.1:${cachedPort}/items`, { method: 'POST', body: '{"name":"bench","attributes":{"size":3}}' })).json()) as { id: string };
    await fetch(`http://127.0.0.1:${cachedPort}/items/${created.id}`); // fills the cache

    const rows: [string, Figures][] = [
      ['bare node:http, same JSON (ceiling)', await load(`http://127.0.0.1:${barePort}/healthz`)],
      ['service GET /healthz', await load(`http://127.0.0.1:${cachedPort}/healthz`)],
      ['service GET /items/:id, cache hit (Redis)', await load(`http://127.0.0.1:${cachedPort}/items/${created.id}`)],
      ['service GET /items/:id, miss (PostgreSQL)', await load(`http://127.0.0.1:${uncachedPort}/items/${created.id}`)],
    ];
    const ceiling = rows[0][1].requestsPerSecond;
    console.log(`\nWorkload service on loopback, one Node process each, ${CONNECTIONS} connections, ${SECONDS} s per row (autocannon):`);
    console.log('                                             req/s     p99 ms   errors   of ceiling');
    for (const [label, f] of rows) {
      console.log(`${label.padEnd(44)} ${f.requestsPerSecond.toFixed(0).padStart(7)}  ${f.p99Ms.toFixed(1).padStart(9)}  ${String(f.errors).padStart(7)}   ${((100 * f.requestsPerSecond) / ceiling).toFixed(0).padStart(5)} %`);
    }
  } finally {
    children.forEach((c) => c.kill('SIGTERM'));
    await redis.stop();
    postgres.destroy();
  }
}

if (require.main === module) void benchService();
