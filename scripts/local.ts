/**
 * npm run local [-- --store dynamodb] [-- --sessions memory|cache|dynamodb] [-- --port 8080]
 *
 * Starts the service on 127.0.0.1 against real local engines (a throwaway PostgreSQL cluster or
 * dynalite, and Redis), behind one origin that serves the page at /web/ and passes everything else
 * to the service, as the CDN does from stage 5 (the service itself serves no files), so a person can
 * try the page in a browser and the API with curl. Ctrl-C stops it and removes the engines.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { SESSION_STORES } from '../lib/data-contract';
import { startDynamoDb, startLocalEdge, startPostgres, startRedis } from '../lib/engines';
import { start } from '../service/src/server';
import { readSettings } from '../service/src/settings';

async function main() {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
  const store = option('--store', 'postgresql');
  if (!['postgresql', 'dynamodb'].includes(store)) throw new Error(`--store: got ${JSON.stringify(store)}; allowed: postgresql, dynamodb`);
  const sessions = option('--sessions', 'memory');
  if (!(SESSION_STORES as readonly string[]).includes(sessions))
    throw new Error(`--sessions: got ${JSON.stringify(sessions)}; allowed: ${SESSION_STORES.join(', ')}`);
  const port = Number(option('--port', '8080'));

  const redis = await startRedis();
  const postgres = store === 'postgresql' ? await startPostgres() : undefined;
  const dynamodb = store === 'dynamodb' || sessions === 'dynamodb' ? await startDynamoDb('items', 'sessions') : undefined;
  const env = postgres
    ? {
        DATA_STORE: 'postgresql-local',
        DB_HOST: '127.0.0.1',
        DB_PORT: String(postgres.port),
        DB_USER: postgres.user,
        DB_PASSWORD: postgres.password,
      }
    : { DATA_STORE: 'dynamodb', TABLE_NAME: dynamodb!.tableName, AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: dynamodb!.endpoint };
  const sessionEnv =
    sessions === 'dynamodb'
      ? { SESSION_STORE: 'dynamodb', SESSION_TABLE: 'sessions', AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: dynamodb!.endpoint }
      : sessions === 'cache'
        ? { SESSION_STORE: 'cache' }
        : {};
  const service = await start(
    readSettings({ ...env, ...sessionEnv, CACHE_URL: redis.url, PORT: '0', LISTEN_HOST: '127.0.0.1', STAGE: 'local' }),
  );
  const edge = await startLocalEdge(`http://127.0.0.1:${service.port}`, port);
  const base = edge.base;
  process.stderr.write(
    [
      '',
      `The page is on ${edge.pageUrl}, the API on ${base} (${store}, Redis cache, sessions in ${sessions}). Try:`,
      `  open ${edge.pageUrl}`,
      `  curl ${base}/`,
      `  curl ${base}/readyz`,
      `  curl -X POST ${base}/items -H 'Content-Type: application/json' -d '{"name":"first","attributes":{"colour":"blue"}}'`,
      `  curl -i ${base}/items/<id>`,
      `  curl -i -X POST ${base}/sessions`,
      `  curl ${base}/openapi.json`,
      'Its log is on stdout; Ctrl-C stops it and removes the engines.',
      '',
    ].join('\n'),
  );
  const stop = async () => {
    await edge.stop();
    await service.stop();
    await redis.stop();
    postgres?.destroy();
    await dynamodb?.stop();
    process.exit(0);
  };
  // Once, and the handlers stay: Ctrl-C reaches npm, tsx and this process, and tsx relays it again;
  // a second signal without a handler would end the process before the service has drained.
  let stopping = false;
  const onSignal = () => {
    if (!stopping) {
      stopping = true;
      void stop();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
