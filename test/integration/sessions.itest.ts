/**
 * Stage 6: two service processes (the bundle) behind a round-robin proxy on loopback, as servers
 * behind a load balancer without stickiness. With sessions in a shared store, in the managed cache
 * (a real redis-server with TLS and the app user) or in a DynamoDB table (dynalite), a session
 * started through one process is read and changed through the other, and killing one (SIGKILL, as
 * a Spot reclaim may) loses no session. With SESSION_STORE unset (each process's memory, stages
 * 1 to 5) the other process does not know the session: the flaw stage 6 removes.
 */

import { randomUUID } from 'node:crypto';
import {
  type DynamoDb,
  type Postgres,
  type Redis,
  type SecretsManager,
  startDynamoDb,
  startPostgres,
  startRedis,
  startSecretsManager,
  startTcpProxy,
  startTogether,
  type TcpProxy,
} from '../../lib/engines';
import { DynamoDbSessions } from '../../service/src/dynamodb-sessions';
import { SESSION_COOKIE } from '../../service/src/session-cookie';
import { touch } from '../../service/src/sessions';
import type { Answer } from '../service/support/conformance';
import { json, type Sent, send } from '../service/support/http';
import { appClient } from './support/cache-client';
import { startService, storeEnvironment, UNHURRIED_CACHE } from './support/service-process';

const JSON_TYPE = { 'Content-Type': 'application/json' };
const CACHE_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cache-app';

let postgres: Postgres;
let redis: Redis;
let dynamodb: DynamoDb;
let secrets: SecretsManager;

beforeAll(async () => {
  [postgres, redis, dynamodb, secrets] = await startTogether(
    startPostgres(),
    startRedis({ managed: true }),
    startDynamoDb('items', 'sessions'),
    startSecretsManager(),
  );
  secrets.put(CACHE_SECRET, { username: redis.user!.name, password: redis.user!.password });
});

afterAll(async () => {
  await Promise.all([redis?.stop(), dynamodb?.stop(), secrets?.stop()]);
  postgres?.destroy();
});

/** Two processes of the service with the same environment, behind a round-robin proxy. */
async function pair(env: Record<string, string>) {
  const processes = await startTogether(startService(env, { ready: true }), startService(env, { ready: true }));
  const proxy: TcpProxy = await startTcpProxy(processes.map((p) => p.port));
  const base = `http://127.0.0.1:${proxy.port}`;
  const total = (port: number) => proxy.received.get(port) ?? 0;
  /** One request through the proxy (a new connection each: the next process in turn), and which process answered. */
  const call = async (method: string, target: string, sent: Sent = {}): Promise<{ answer: Answer; by: number }> => {
    const before = processes.map((p) => total(p.port));
    const answer = await send(base, target, { ...sent, method });
    const by = processes.findIndex((p, i) => total(p.port) > before[i]);
    return { answer, by };
  };
  return {
    processes,
    call,
    async stop() {
      await Promise.all(processes.map((p) => p.terminate()));
      await proxy.stop();
    },
  };
}

const idOf = (answer: Answer) => /^__Host-ztm-session=([A-Za-z0-9_-]{43});/.exec(String(answer.headers['set-cookie']))?.[1] ?? '';
const withCookie = (id: string, extra: Record<string, string> = {}) => ({ headers: { Cookie: `${SESSION_COOKIE}=${id}`, ...extra } });

const SHARED = {
  cache: () => ({
    ...storeEnvironment.postgresql(postgres),
    ...secrets.environment,
    CACHE_URL: redis.url,
    CACHE_SECRET_ARN: CACHE_SECRET,
    NODE_EXTRA_CA_CERTS: redis.caFile!,
    ...UNHURRIED_CACHE,
    SESSION_STORE: 'cache',
    SESSION_TTL_SECONDS: '600',
  }),
  dynamodb: () => ({
    ...storeEnvironment.dynamodb(dynamodb),
    SESSION_STORE: 'dynamodb',
    SESSION_TABLE: 'sessions',
    SESSION_TTL_SECONDS: '600',
  }),
};

describe.each(Object.keys(SHARED) as (keyof typeof SHARED)[])('sessions in %s, shared by two processes', (kind) => {
  let servers: Awaited<ReturnType<typeof pair>>;
  beforeAll(async () => (servers = await pair(SHARED[kind]())));
  afterAll(() => servers?.stop());

  test('changes at once through both processes lose none, and a session ended while others change it stays ended', async () => {
    const id = idOf((await servers.call('POST', '/sessions')).answer);
    const items = Array.from({ length: 12 }, () => randomUUID());
    const views = await Promise.all(
      items.map((item) => servers.call('POST', '/session/views', { ...withCookie(id, JSON_TYPE), body: JSON.stringify({ id: item }) })),
    );
    // Each is noted (200), or says it was not (503 with Retry-After: others changed the session too often meanwhile).
    for (const { answer } of views)
      expect(answer.status === 200 || (answer.status === 503 && answer.headers['retry-after'] === '2')).toBe(true);
    const noted = items.filter((_, i) => views[i].answer.status === 200);
    expect(noted.length).toBeGreaterThan(items.length / 2);
    const recent = json((await servers.call('GET', '/session', withCookie(id))).answer).recent.map((r: { id: string }) => r.id);
    expect([...recent].sort()).toEqual([...noted].sort());

    for (let round = 0; round < 5; round++) {
      const session = idOf((await servers.call('POST', '/sessions')).answer);
      const view = () =>
        servers.call('POST', '/session/views', { ...withCookie(session, JSON_TYPE), body: JSON.stringify({ id: randomUUID() }) });
      const [ended] = await Promise.all([
        servers.call('DELETE', '/session', withCookie(session)),
        ...Array.from({ length: 4 }, view),
        ...Array.from({ length: 2 }, () => servers.call('GET', '/session', withCookie(session))),
      ]);
      expect(ended.answer.status).toBe(200);
      expect((await servers.call('GET', '/session', withCookie(session))).answer.status).toBe(401);
    }
  });

  test('started through one, read and changed through the other; one killed (SIGKILL) loses no session', async () => {
    const started = await servers.call('POST', '/sessions');
    const id = idOf(started.answer);
    expect([started.answer.status, id.length]).toEqual([201, 43]);
    // The other process reads it, and notes an item created through it.
    const read = await servers.call('GET', '/session', withCookie(id));
    expect([read.answer.status, read.by]).toEqual([200, 1 - started.by]);
    const created = await servers.call('POST', '/items', { ...withCookie(id, JSON_TYPE), body: '{"name":"made in a session"}' });
    const item = json(created.answer);
    // ... and the first sees what the other changed, and changes it again.
    const viewed = await servers.call('POST', '/session/views', { ...withCookie(id, JSON_TYPE), body: JSON.stringify({ id: item.id }) });
    expect(viewed.by).toBe(created.by === 0 ? 1 : 0);
    const after = await servers.call('GET', '/session', withCookie(id));
    expect([after.answer.status, json(after.answer).recent.map((r: { action: string; id: string }) => [r.action, r.id])]).toEqual([
      200,
      [['viewed', item.id]],
    ]);

    servers.processes[0].child.kill('SIGKILL');
    await servers.processes[0].exited;
    const survivors = [];
    for (let i = 0; i < 6; i++) survivors.push(await servers.call('GET', '/session', withCookie(id)));
    expect(survivors.map((s) => [s.answer.status, s.by])).toEqual(Array(6).fill([200, 1]));
    expect(json(survivors[5].answer).createdAt).toBe(json(started.answer).createdAt);

    const ended = await servers.call('DELETE', '/session', withCookie(id));
    expect(ended.answer.status).toBe(200);
    expect((await servers.call('GET', '/session', withCookie(id))).answer.status).toBe(401);
  });
});

test('in the cache, a session is session:<id> with the TTL, and the app user may keep it there; another type under the key is no session', async () => {
  const servers = await pair(SHARED.cache());
  try {
    const id = idOf((await servers.call('POST', '/sessions')).answer);
    const client = await appClient(redis);
    const ttl = await client.ttl(`session:${id}`);
    const foreign = 'f'.repeat(43);
    await client.hSet(`session:${foreign}`, 'createdAt', new Date().toISOString());
    await client.expire(`session:${foreign}`, 60);
    await client.close();
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    expect((await servers.call('GET', '/session', withCookie(foreign))).answer.status).toBe(401);
  } finally {
    await servers.stop();
  }
});

test('in DynamoDB, an item past its expiresAt is no session, although DynamoDB has not deleted it yet', async () => {
  const servers = await pair(SHARED.dynamodb());
  try {
    const id = idOf((await servers.call('POST', '/sessions')).answer);
    const { DynamoDBClient, UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
    const client = new DynamoDBClient({
      endpoint: dynamodb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await client.send(
      new UpdateItemCommand({
        TableName: 'sessions',
        Key: { id: { S: id } },
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': { N: String(Math.floor(Date.now() / 1000) - 1) } },
      }),
    );
    client.destroy();
    const answer = (await servers.call('GET', '/session', withCookie(id))).answer;
    expect([answer.status, json(answer).error]).toEqual([401, 'the session has ended or expired: start another with POST /sessions']);
  } finally {
    await servers.stop();
  }
});

test('SESSION_STORE unset (memory, stages 1 to 5): the other process does not know the session, which is the flaw stage 6 removes', async () => {
  const servers = await pair({ ...storeEnvironment.postgresql(postgres) });
  try {
    const started = await servers.call('POST', '/sessions');
    const id = idOf(started.answer);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await servers.call('GET', '/session', withCookie(id)));
    // Round robin: the process that started it knows it; the other answers 401, every other request.
    expect(answers.map((a) => [a.by === started.by ? 'same process' : 'other process', a.answer.status])).toEqual([
      ['other process', 401],
      ['same process', 200],
      ['other process', 401],
      ['same process', 200],
    ]);
    expect(json((await servers.call('GET', '/')).answer).sessions).toBe('memory');
  } finally {
    await servers.stop();
  }
});

test('in DynamoDB a session ends at its exact expiresAt, not at the whole second its TTL attribute is rounded up to', async () => {
  let now = Date.parse('2026-11-25T12:00:00.000Z');
  const store = new DynamoDbSessions({ tableName: 'sessions', region: 'us-east-1', endpoint: dynamodb.endpoint }, () => now);
  try {
    const id = `exact-expiry-${randomUUID()}`;
    const session = {
      createdAt: new Date(now).toISOString(),
      lastSeenAt: new Date(now).toISOString(),
      expiresAt: '2026-11-25T12:01:00.250Z',
      recent: [],
    };
    await store.put(id, session);
    now = Date.parse('2026-11-25T12:01:00.200Z');
    expect((await store.get(id))?.expiresAt).toBe(session.expiresAt);
    now = Date.parse('2026-11-25T12:01:00.300Z');
    expect(await store.get(id)).toBeUndefined();
  } finally {
    await store.close();
  }
});

test('in DynamoDB a session item from before versions is changed, and versioned, like any other; ended, it stays ended; a foreign version is no session', async () => {
  const store = new DynamoDbSessions({ tableName: 'sessions', region: 'us-east-1', endpoint: dynamodb.endpoint });
  const { DynamoDBClient, PutItemCommand } = await import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient({
    endpoint: dynamodb.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const now = new Date().toISOString();
  const expires = new Date(Date.now() + 60_000);
  const unversioned = async (extra: Record<string, { S: string }> = {}) => {
    const id = `unversioned-${randomUUID()}`;
    const Item = {
      id: { S: id },
      createdAt: { S: now },
      lastSeenAt: { S: now },
      recent: { L: [] },
      expiresAtIso: { S: expires.toISOString() },
      expiresAt: { N: String(Math.ceil(expires.getTime() / 1000)) },
      ...extra,
    };
    await client.send(new PutItemCommand({ TableName: 'sessions', Item }));
    return id;
  };
  try {
    const old = await unversioned();
    const read = await store.get(old);
    expect(await store.replace(old, read!, touch(read, Date.now(), 60, { id: randomUUID(), action: 'viewed' }))).toBe(true);
    // The stale read's change fails now: the item has a version.
    expect(await store.replace(old, read!, touch(read, Date.now(), 60))).toBe(false);
    expect((await store.get(old))?.recent).toHaveLength(1);

    const ended = await unversioned();
    const before = await store.get(ended);
    await store.delete(ended);
    expect(await store.replace(ended, before!, touch(before, Date.now(), 60))).toBe(false);
    expect(await store.get(ended)).toBeUndefined();

    expect(await store.get(await unversioned({ version: { S: 'not ours' } }))).toBeUndefined();
  } finally {
    client.destroy();
    await store.close();
  }
});
