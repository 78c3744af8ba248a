/**
 * Stage 4 on real PostgreSQL streaming replication: the service (the bundle, in a process of its
 * own) with a writer pool on a proxy standing in for Aurora's cluster endpoint and a reader pool on
 * one standing in for its reader endpoint (127.0.0.1 and 127.0.0.2, one port, as the stack gives a
 * single DB_PORT), its credentials from a Secrets Manager on loopback through the real SDK.
 * - reads go to the replica; a replica behind the writer (replay paused) or stopped sends them to
 *   the writer, so a client reads its own writes; each answer says which (X-Data-Source);
 * - the password rotated (ALTER ROLE and a new secret value, as RDS does it): recovered by reading
 *   the secret again on 28P01, without a restart;
 * - failover: the primary crashes, the endpoint moves to the replica while it is still read-only
 *   (25006), the replica is promoted: 503s only during the switch, no restart, every acknowledged
 *   write readable afterwards.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  freePort,
  type ReplicatedPostgres,
  type SecretsManager,
  startReplicatedPostgres,
  startSecretsManager,
  startTcpProxy,
  startTogether,
  type TcpProxy,
} from '../../lib/engines';
import { RENEW_MIN_MS } from '../../service/src/credentials';
import { READER_BREAKER_FAILURES, READER_BREAKER_OPEN_MS } from '../../service/src/postgres-store';
import { json, send } from '../service/support/http';
import { logCaughtUp, type ServiceProcess, startService } from './support/service-process';

const JSON_TYPE = { 'Content-Type': 'application/json' };
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-stage4';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let database: ReplicatedPostgres;
let secrets: SecretsManager;
let writerEndpoint: TcpProxy;
let readerEndpoint: TcpProxy;
let service: ServiceProcess;

/** A superuser's connection to one of the two servers, for the test's own statements. */
async function admin(port: number): Promise<Client> {
  const client = new Client({ host: '127.0.0.1', port, user: database.admin.user, password: database.admin.password, database: 'app' });
  await client.connect();
  return client;
}
const on = async <T>(port: number, fn: (client: Client) => Promise<T>): Promise<T> => {
  const client = await admin(port);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
};
const create = async (name: string) =>
  json(await send(service.base, '/items', { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ name }) }));
/** Bytes the service sent to each endpoint during `fn`. */
async function traffic(fn: () => Promise<unknown>): Promise<{ writer: number; reader: number }> {
  const writerBefore = [...writerEndpoint.received.values()].reduce((a, b) => a + b, 0);
  const readerBefore = [...readerEndpoint.received.values()].reduce((a, b) => a + b, 0);
  await fn();
  return {
    writer: [...writerEndpoint.received.values()].reduce((a, b) => a + b, 0) - writerBefore,
    reader: [...readerEndpoint.received.values()].reduce((a, b) => a + b, 0) - readerBefore,
  };
}

beforeAll(async () => {
  [database, secrets] = await startTogether(startReplicatedPostgres(), startSecretsManager());
  secrets.put(SECRET, { username: database.user, password: database.password });
  const port = await freePort();
  writerEndpoint = await startTcpProxy([database.primary.port], { host: '127.0.0.1', port });
  readerEndpoint = await startTcpProxy([database.replica.port], { host: '127.0.0.2', port });
  service = await startService({
    ...secrets.environment,
    DATA_STORE: 'rds',
    DB_HOST: '127.0.0.1',
    DB_READER_HOST: '127.0.0.2',
    DB_PORT: String(port),
    DB_NAME: database.database,
    DB_SECRET_ARN: SECRET,
    DB_POOL_SIZE: '2',
  });
  // The schema is made on the writer by the first write; the replica has it once it has replayed that.
  await create('first');
  await waitFor(() => on(database.replica.port, async (c) => (await c.query(`SELECT to_regclass('items') IS NOT NULL AS ok`)).rows[0].ok));
}, 60_000);

afterAll(async () => {
  await service?.terminate();
  await Promise.all([writerEndpoint?.stop(), readerEndpoint?.stop(), secrets?.stop()]);
  database?.destroy();
});

async function waitFor(condition: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`not so within ${ms} ms`);
    await sleep(50);
  }
}
const onReplica = (id: string) =>
  on(database.replica.port, async (c) => (await c.query('SELECT 1 FROM items WHERE id = $1', [id])).rowCount === 1);

test('reads go to the replica, and only there; /readyz reports the writer and the readers', async () => {
  const item = await create('read from the replica');
  await waitFor(() => onReplica(item.id));
  const spent = await traffic(async () => {
    for (let i = 0; i < 20; i++) {
      const read = await send(service.base, `/items/${item.id}`);
      expect([read.status, read.headers['x-data-source']]).toEqual([200, 'reader']);
    }
  });
  expect(spent.reader).toBeGreaterThan(0);
  expect(spent.writer).toBe(0);
  expect(json(await send(service.base, '/readyz'))).toMatchObject({
    status: 'ready',
    dataStore: { kind: 'postgresql', ok: true, readers: { ok: true } },
  });
});

test('a replica behind the writer (replay paused) sends reads to the writer: every client reads its own writes', async () => {
  await on(database.replica.port, (c) => c.query('SELECT pg_wal_replay_pause()'));
  try {
    const spent = await traffic(async () => {
      const items = await Promise.all(Array.from({ length: 20 }, (_, i) => create(`just written ${i}`)));
      const reads = await Promise.all(items.map((item) => send(service.base, `/items/${item.id}`)));
      expect(reads.map((r) => [r.status, json(r).name, r.headers['x-data-source']])).toEqual(
        items.map((item) => [200, item.name, 'writer']),
      );
      // The replica really was behind: it has none of them.
      expect(await Promise.all(items.map((item) => onReplica(item.id)))).toEqual(Array(20).fill(false));
    });
    // Each read asked the replica first, then the writer.
    expect([spent.reader > 0, spent.writer > 0]).toEqual([true, true]);
  } finally {
    await on(database.replica.port, (c) => c.query('SELECT pg_wal_replay_resume()'));
  }
});

test('an id no item has: the replica misses it and the writer says so (404, X-Data-Source: writer)', async () => {
  const spent = await traffic(async () => {
    const missing = await send(service.base, `/items/${randomUUID()}`);
    expect([missing.status, missing.headers['x-data-source']]).toEqual([404, 'writer']);
  });
  expect([spent.reader > 0, spent.writer > 0]).toEqual([true, true]);
});

test('the replica stopped: reads go to the writer and say so, through the reader failures and while the breaker is open; back, the replica answers again', async () => {
  const item = await create('read while the replica is down');
  await waitFor(() => onReplica(item.id));
  const read = async () => {
    const answer = await send(service.base, `/items/${item.id}`);
    return [answer.status, answer.headers['x-data-source']];
  };
  // No writes until it is back: replication is synchronous, so a commit would wait for the replica.
  database.replica.stop();
  try {
    // Enough failures to open the breaker, then reads it sends straight to the writer.
    for (let i = 0; i < READER_BREAKER_FAILURES + 3; i++) expect(await read()).toEqual([200, 'writer']);
    await waitFor(async () => service.logs.some((l) => String(l.msg).startsWith('the readers fail: reads go to the writer')));
  } finally {
    database.replica.start();
  }
  // After the breaker's pause, a probe finds the replica again, and reads are its once more.
  await waitFor(async () => (await read())[1] === 'reader', READER_BREAKER_OPEN_MS + 15_000);
  expect(await read()).toEqual([200, 'reader']);
  await waitFor(async () => service.logs.some((l) => l.msg === 'the readers answer again'));
}, 60_000);

test('a rotated password: refused (28P01) while the secret is old, recovered by reading it again, without a restart', async () => {
  /** Ends the service's sessions on a server; resolves with how many there were. */
  const kill = (port: number) =>
    on(port, async (c) => {
      const { rows } = await c.query(
        `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'zero-to-millions'`,
      );
      return rows[0].n as number;
    });
  const lost = () => service.logs.filter((l) => l.msg === 'database connection lost; the next query opens another').length;
  const readsBefore = secrets.reads.get(SECRET) ?? 0;
  const lostBefore = lost();
  // RDS changes the password; the service's open connections go on (they are established), new ones are refused.
  const rotated = `pw-rotated-${Date.now()}`;
  await on(database.primary.port, (c) => c.query(`ALTER ROLE app PASSWORD '${rotated}'`));
  const killed = (await Promise.all([kill(database.primary.port), kill(database.replica.port)])).reduce((a, b) => a + b, 0);
  expect(killed).toBeGreaterThan(0);
  // The next request must open a connection: the service has seen each of its sessions end.
  await waitFor(async () => lost() - lostBefore >= killed);
  // The secret does not have it yet: a clear 503, not a 500.
  const refused = await send(service.base, '/items', { method: 'POST', headers: JSON_TYPE, body: '{"name":"too soon"}' });
  expect([refused.status, refused.headers['retry-after'], json(refused).reason]).toEqual([503, '2', 'password refused']);
  // Now it has (RDS writes the secret as it changes the password).
  secrets.put(SECRET, { username: database.user, password: rotated });
  await sleep(RENEW_MIN_MS + 100);
  const answers: number[] = [];
  for (let i = 0; i < 10; i++) {
    const written = await send(service.base, '/items', { method: 'POST', headers: JSON_TYPE, body: `{"name":"after the rotation ${i}"}` });
    answers.push(written.status, (await send(service.base, `/items/${json(written).id}`)).status);
  }
  expect(new Set(answers)).toEqual(new Set([200, 201]));
  // It read the secret again when refused, long before its 5-minute refresh.
  expect((secrets.reads.get(SECRET) ?? 0) - readsBefore).toBeGreaterThanOrEqual(2);
  await waitFor(async () =>
    service.logs.some((l) => l.msg === 'the database refused the password: read the secret again, and connect with the new one'),
  );
});

test('failover: 503s only during the switch, recovery without a restart, every acknowledged write readable afterwards', async () => {
  interface Outcome {
    readonly status: number;
    readonly from: number;
    readonly to: number;
    readonly id?: string;
    readonly retryAfter?: string;
    readonly reason?: string;
  }
  const outcomes: Outcome[] = [];
  let running = true;
  const worker = async (w: number) => {
    for (let i = 0; running; i++) {
      const from = Date.now();
      try {
        const answer =
          i % 2 === 0 || outcomes.length === 0
            ? await send(service.base, '/items', { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ name: `w${w}-${i}` }) })
            : await send(service.base, `/items/${outcomes.filter((o) => o.id).at(-1)?.id ?? '00000000-0000-4000-8000-000000000000'}`);
        const body = answer.body ? json(answer) : {};
        outcomes.push({
          status: answer.status,
          from,
          to: Date.now(),
          id: answer.status === 201 ? body.id : undefined,
          retryAfter: answer.headers['retry-after'] as string | undefined,
          reason: body.reason,
        });
      } catch {
        outcomes.push({ status: 0, from, to: Date.now() });
      }
      await sleep(10);
    }
  };
  const load = Promise.all([0, 1, 2, 3].map(worker));
  // Each phase lasts its time, and longer while it has not seen what it is for (a busy machine answers fewer a second).
  const phase = async (ms: number, enough: () => boolean) => {
    await sleep(ms);
    await waitFor(async () => enough(), 30_000);
  };
  await phase(1000, () => outcomes.length > 10);
  const crashed = Date.now();
  database.primary.stop('immediate'); // the writer's instance fails
  await sleep(1000);
  // The cluster endpoint moves to the reader before it has been promoted: writes there are 25006.
  writerEndpoint.point(database.replica.port);
  await phase(1500, () => outcomes.some((o) => o.reason === 'read-only: failing over'));
  database.replica.promote();
  const promoted = Date.now();
  await phase(3000, () => outcomes.filter((o) => o.from > promoted + 1000).length > 10);
  running = false;
  await load;

  const before = outcomes.filter((o) => o.to < crashed);
  const after = outcomes.filter((o) => o.from > promoted + 1000);
  expect([before.length > 10, after.length > 10]).toEqual([true, true]);
  expect(before.filter((o) => o.status !== 200 && o.status !== 201)).toEqual([]);
  expect(after.filter((o) => o.status !== 200 && o.status !== 201)).toEqual([]);
  // During the switch: a 503 with Retry-After and a reason, or a read the replica could still answer; never a 500 or a reset.
  const failed = outcomes.filter((o) => o.status !== 200 && o.status !== 201);
  expect(failed.length).toBeGreaterThan(0);
  expect(failed.filter((o) => o.status !== 503 || o.retryAfter !== '2' || !o.reason)).toEqual([]);
  expect(failed.some((o) => o.reason === 'read-only: failing over')).toBe(true);
  await logCaughtUp(service);
  expect(service.logs.some((l) => l.msg === 'the writer endpoint reached a read-only instance (a failover): reconnecting')).toBe(true);
  expect(service.child.exitCode).toBeNull();

  const acknowledged = outcomes.filter((o) => o.id).map((o) => o.id!);
  expect(acknowledged.length).toBeGreaterThan(20);
  const reads = [];
  for (let i = 0; i < acknowledged.length; i += 25)
    reads.push(...(await Promise.all(acknowledged.slice(i, i + 25).map((id) => send(service.base, `/items/${id}`).then((r) => r.status)))));
  expect(reads.filter((status) => status !== 200)).toEqual([]);
  expect(json(await send(service.base, '/readyz'))).toMatchObject({ status: 'ready', dataStore: { ok: true, readers: { ok: true } } });
}, 120_000);
