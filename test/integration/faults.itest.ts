/**
 * Faults on real engines: the database stops under load and starts again. While it is down the
 * service answers 503; it recovers without a restart; and every write it acknowledged with 201 is
 * readable afterwards. The load is bounded in count and time and stays on loopback.
 */
import { Running, start } from '../../service/src/server';
import { readSettings } from '../../service/src/settings';
import { DynamoDb, Postgres, startDynamoDb, startPostgres } from '../../lib/engines';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function write(base: string, name: string): Promise<{ status: number; id?: string }> {
  try {
    const response = await fetch(`${base}/items`, { method: 'POST', body: JSON.stringify({ name }), signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { id?: string };
    return { status: response.status, id: body.id };
  } catch {
    return { status: 0 };
  }
}

describe('PostgreSQL stops under load and starts again', () => {
  let postgres: Postgres;
  let service: Running;
  let base: string;

  beforeAll(async () => {
    postgres = await startPostgres();
    const settings = readSettings({ DATA_STORE: 'postgresql-local', DB_HOST: '127.0.0.1', DB_PORT: String(postgres.port), DB_USER: postgres.user, DB_PASSWORD: postgres.password, PORT: '0', LISTEN_HOST: '127.0.0.1' });
    service = await start(settings, { log: () => undefined });
    base = `http://127.0.0.1:${service.port}`;
  });
  afterAll(async () => {
    await service?.stop();
    postgres?.destroy();
  });

  test('503 while down, recovery without a restart, and no acknowledged write lost', async () => {
    // Each request is timed; it counts for a phase only when it lay wholly inside it, so the few in
    // flight while the database stops or starts (either answer is right for them) are left out.
    const answers: { status: number; id?: string; name: string; from: number; to: number }[] = [];
    let running = true;
    let count = 0;
    const worker = async () => {
      while (running && count < 20_000) {
        const name = `item-${count++}`;
        const from = Date.now();
        const answer = await write(base, name);
        answers.push({ ...answer, name, from, to: Date.now() });
        await sleep(5);
      }
    };
    const load = Promise.all(Array.from({ length: 4 }, worker));

    await sleep(1000);
    const stopping = Date.now();
    postgres.stop();
    const stopped = Date.now();
    await sleep(2000);
    const starting = Date.now();
    postgres.start();
    const started = Date.now();
    await sleep(2000);
    running = false;
    await load;

    const within = (from: number, to: number) => answers.filter((a) => a.from >= from && a.to <= to).map((a) => a.status);
    const before = within(0, stopping);
    const down = within(stopped, starting);
    const after = within(started + 500, Infinity);
    expect([before.length > 20, down.length > 20, after.length > 20]).toEqual([true, true, true]);
    expect(new Set(before)).toEqual(new Set([201]));
    // While the database is down the service answers, with 503 and nothing else.
    expect(new Set(down)).toEqual(new Set([503]));
    // Once it is back, writes succeed again: the pool recovered by itself.
    expect(new Set(after)).toEqual(new Set([201]));
    expect(answers.some((a) => a.status === 0 || a.status >= 500 && a.status !== 503)).toBe(false);

    const acknowledged = answers.filter((a) => a.status === 201);
    const read = await Promise.all(acknowledged.map(async (a) => ((await (await fetch(`${base}/items/${a.id}`)).json()) as { name: string }).name));
    expect(read).toEqual(acknowledged.map((a) => a.name));
    expect(acknowledged.length).toBeGreaterThan(100);
  });
});

describe('DynamoDB goes away', () => {
  let dynamodb: DynamoDb;
  let service: Running;

  beforeAll(async () => {
    dynamodb = await startDynamoDb();
    const settings = readSettings({ DATA_STORE: 'dynamodb', TABLE_NAME: dynamodb.tableName, AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: dynamodb.endpoint, PORT: '0', LISTEN_HOST: '127.0.0.1' });
    service = await start(settings, { log: () => undefined });
  });
  afterAll(() => service?.stop());

  test('writes and readiness answer 503, quickly, instead of hanging', async () => {
    const base = `http://127.0.0.1:${service.port}`;
    expect((await write(base, 'before')).status).toBe(201);
    await dynamodb.stop();
    const started = Date.now();
    expect((await write(base, 'during')).status).toBe(503);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
