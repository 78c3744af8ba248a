/**
 * zero-to-millions local [--store dynamodb] [--sessions memory|cache|dynamodb] [--port 8080]
 * (or npm run local -- ...)
 *
 * Starts the service on 127.0.0.1 against real local engines (a throwaway PostgreSQL cluster or
 * dynalite, and Redis), behind one origin that serves the page at /web/ and passes everything else
 * to the service, as the CDN does from stage 5 (the service itself serves no files), so a person can
 * try the page in a browser and the API with curl.
 *
 * However it ends, its engines end with it and their files go: on SIGINT or SIGTERM (Ctrl-C, or a
 * signal to npm, which forwards both), on SIGHUP (the terminal closing), when the process that
 * started it ends (npm killed), and on an error, it stops them itself; if it is killed outright or
 * crashes, the watcher of its directory does (lib/reaper.ts). Every engine lives in one directory,
 * `ztm-local-*` in the temporary directory, which goes with them.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ParsedArguments, runTool } from '../lib/cli';
import { startDynamoDb, startLocalEdge, startPostgres, startRedis, storeEnvironment } from '../lib/engines';
import { reap, watchOver } from '../lib/reaper';
import { TOOLS } from '../lib/tools';
import { start } from '../service/src/server';
import { readSettings } from '../service/src/settings';

/** How long the service and the engines have to stop on their own before they are ended. */
const STOP_MS = 10_000;

async function main({ options }: ParsedArguments): Promise<number> {
  const store = String(options.store ?? 'postgresql');
  const sessions = String(options.sessions ?? 'memory');
  const port = Number(options.port ?? 8080);

  // One directory for every engine of this run; the engines make theirs in it (os.tmpdir() reads TMPDIR).
  const run = mkdtempSync(join(tmpdir(), 'ztm-local-'));
  chmodSync(run, 0o755); // as root, PostgreSQL runs as the `postgres` user, who must reach its directory inside
  process.env.TMPDIR = run;
  const watcher = watchOver(run);

  const stops: (() => unknown)[] = [];
  let stopping: Promise<number> | undefined;
  let finished: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finished = resolve));
  const stop = (why: string, code = 0): Promise<number> => {
    stopping ??= (async () => {
      process.stderr.write(`\nStopping (${why}): the service, then the engines.\n`);
      const timer = setTimeout(() => {
        process.stderr.write(`They did not stop within ${STOP_MS / 1000} s: ending them.\n`);
        reap(run);
        watcher.release();
        process.exit(1);
      }, STOP_MS);
      for (const step of stops.reverse()) {
        try {
          await step();
        } catch (error) {
          process.stderr.write(`while stopping: ${(error as Error).message}\n`);
        }
      }
      reap(run); // what the steps left, and the directory itself
      watcher.release();
      clearTimeout(timer);
      finished(code);
      return code;
    })();
    return stopping;
  };
  // Once each, and the handlers stay: Ctrl-C reaches npm and this process, and npm forwards it again;
  // a second signal without a handler would end the process before the engines are stopped.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
  // npm (or whatever started it) gone without a signal to pass on, as when it is killed: stop too.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop(`the process that started it, ${parent}, has ended`);
  }, 500).unref();

  try {
    const redis = await startRedis();
    stops.push(() => redis.stop());
    const postgres = store === 'postgresql' ? await startPostgres() : undefined;
    if (postgres) stops.push(() => postgres.destroy());
    const dynamodb = store === 'dynamodb' || sessions === 'dynamodb' ? await startDynamoDb('items', 'sessions') : undefined;
    if (dynamodb) stops.push(() => dynamodb.stop());
    const env = postgres ? storeEnvironment.postgresql(postgres) : storeEnvironment.dynamodb(dynamodb!);
    const sessionEnv =
      sessions === 'dynamodb'
        ? { SESSION_STORE: 'dynamodb', SESSION_TABLE: 'sessions', AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: dynamodb!.endpoint }
        : sessions === 'cache'
          ? { SESSION_STORE: 'cache' }
          : {};
    // The edge replaces Host, as the CDN does: the page's own names are trusted, as a CDN stage trusts its own.
    const TRUSTED_ORIGINS = `http://127.0.0.1:${port},http://localhost:${port}`;
    const service = await start(
      readSettings({ ...env, ...sessionEnv, CACHE_URL: redis.url, PORT: '0', LISTEN_HOST: '127.0.0.1', STAGE: 'local', TRUSTED_ORIGINS }),
    );
    stops.push(() => service.stop());
    const edge = await startLocalEdge(`http://127.0.0.1:${service.port}`, port);
    stops.push(() => edge.stop());
    const base = edge.base;
    process.stderr.write(
      [
        '',
        `The page is on ${edge.pageUrl}, the API on ${base} (${store}, Redis cache, sessions in ${sessions}). Try:`,
        `  open ${edge.pageUrl}`,
        `  curl ${base}/`,
        `  curl ${base}/readyz    (the verdict only, as anyone sees it through the CDN)`,
        `  curl http://127.0.0.1:${service.port}/readyz    (in full: the service itself, as on its own server)`,
        `  curl -X POST ${base}/items -H 'Content-Type: application/json' -d '{"name":"first","attributes":{"colour":"blue"}}'`,
        `  curl -i ${base}/items/<id>`,
        `  curl -i -X POST ${base}/sessions`,
        `  curl ${base}/openapi.json`,
        `Its log is on stdout; Ctrl-C stops it and removes the engines (${run}).`,
        '',
      ].join('\n'),
    );
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return stop('it could not start', 1);
  }
  return done;
}

runTool(TOOLS.local, main);
