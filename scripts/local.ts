/**
 * npm run local [-- --store dynamodb] [-- --port 8080]
 *
 * Starts the service on 127.0.0.1 against real local engines (a throwaway PostgreSQL cluster or
 * dynalite, and Redis), so a person can try it with curl. Ctrl-C stops it and removes the engines.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { startDynamoDb, startPostgres, startRedis } from '../lib/engines';
import { start } from '../service/src/server';
import { readSettings } from '../service/src/settings';

async function main() {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
  const store = option('--store', 'postgresql');
  if (!['postgresql', 'dynamodb'].includes(store)) throw new Error(`--store: got ${JSON.stringify(store)}; allowed: postgresql, dynamodb`);
  const port = option('--port', '8080');

  const redis = await startRedis();
  const postgres = store === 'postgresql' ? await startPostgres() : undefined;
  const dynamodb = store === 'dynamodb' ? await startDynamoDb() : undefined;
  const env = postgres
    ? {
        DATA_STORE: 'postgresql-local',
        DB_HOST: '127.0.0.1',
        DB_PORT: String(postgres.port),
        DB_USER: postgres.user,
        DB_PASSWORD: postgres.password,
      }
    : { DATA_STORE: 'dynamodb', TABLE_NAME: dynamodb!.tableName, AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: dynamodb!.endpoint };
  const service = await start(readSettings({ ...env, CACHE_URL: redis.url, PORT: port, LISTEN_HOST: '127.0.0.1', STAGE: 'local' }));
  const base = `http://127.0.0.1:${service.port}`;
  process.stderr.write(
    [
      '',
      `The service is on ${base} (${store}, Redis cache). Try:`,
      `  curl ${base}/`,
      `  curl ${base}/readyz`,
      `  curl -X POST ${base}/items -H 'Content-Type: application/json' -d '{"name":"first","attributes":{"colour":"blue"}}'`,
      `  curl -i ${base}/items/<id>`,
      `  curl ${base}/openapi.json`,
      'Its log is on stdout; Ctrl-C stops it and removes the engines.',
      '',
    ].join('\n'),
  );
  const stop = async () => {
    await service.stop();
    await redis.stop();
    postgres?.destroy();
    await dynamodb?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
