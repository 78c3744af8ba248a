/**
 * Property: whatever a client sends — any method, path, headers and body — the service on
 * PostgreSQL and the service on DynamoDB (dynalite), each the deployed bundle with a Redis cache,
 * answer the same, as the OpenAPI document says, never with a 5xx (a 503 only for a dependency that
 * is down, with Retry-After), store the same values, and are alive afterwards.
 *
 * Seeded and reproducible: FUZZ_SEED and FUZZ_RUNS as for the configuration fuzzing (fast-check
 * prints the seed and path of a failure). Bounded in time.
 */
import fc from 'fast-check';
import { type DynamoDb, type Postgres, type Redis, startDynamoDb, startPostgres, startRedis, startTogether } from '../../lib/engines';
import { openApiDocument } from '../../service/src/openapi';
import { type Answer, Conformance } from '../service/support/conformance';
import { json, send } from '../service/support/http';
import { type ServiceProcess, startService, storeEnvironment, UNHURRIED_CACHE } from './support/service-process';

const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const TIME_LIMIT_MS = 90_000;
const KINDS = ['postgresql', 'dynamodb'] as const;
const VERSION = 'fuzz';
const conformance = new Conformance(openApiDocument(VERSION));

let postgres: Postgres;
let dynamodb: DynamoDb;
let redis: Redis;
const services = {} as Record<(typeof KINDS)[number], ServiceProcess>;
/** Items made on both adapters alike before the runs: a request may name the k-th one, by each adapter's own id. */
const seeded: Record<(typeof KINDS)[number], string[]> = { postgresql: [], dynamodb: [] };

beforeAll(async () => {
  [postgres, dynamodb, redis] = await startTogether(startPostgres(), startDynamoDb(), startRedis());
  // Both in one region, as a deployment is: the answers name it.
  const common = { CACHE_URL: redis.url, VERSION, AWS_REGION: 'us-east-1', ...UNHURRIED_CACHE };
  [services.postgresql, services.dynamodb] = await startTogether(
    startService({ ...storeEnvironment.postgresql(postgres), ...common }, { ready: true }),
    startService({ ...storeEnvironment.dynamodb(dynamodb), ...common }, { ready: true }),
  );
  for (const body of [
    '{"name":"one"}',
    '{"name":"two","attributes":{"a":1,"b":"😀","c":true}}',
    '{"name":"three","attributes":{"tiny":1e-130}}',
  ]) {
    for (const kind of KINDS)
      seeded[kind].push(
        json(await send(services[kind].base, '/items', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body })).id,
      );
  }
});

afterAll(async () => {
  await Promise.all(KINDS.map((kind) => services[kind]?.terminate()));
  await redis?.stop();
  postgres?.destroy();
  await dynamodb?.stop();
});

// ---- what a client may send --------------------------------------------------------------------

const SEEDED = (k: number) => `{seeded:${k}}`;
const urlChar = fc.constantFrom(..."abcXYZ019-._~!$&'()*+,;=:@%/é\u00ff".split(''));
const segment = fc.oneof(
  fc.constantFrom(
    '',
    'items',
    'healthz',
    'readyz',
    'openapi.json',
    '..',
    '.',
    '%',
    '%ZZ',
    '%u0041',
    '%C0%AE',
    '%2F',
    '%00',
    '%E0%A4%A',
    'x'.repeat(300),
  ),
  fc.uuid().map((u) => (u.length % 2 ? u.toUpperCase() : u)),
  fc.integer({ min: 0, max: 2 }).map(SEEDED),
  fc.string({ unit: urlChar, maxLength: 16 }),
);
const target = fc
  .tuple(
    fc.oneof(
      fc.constantFrom('/', '/healthz', '/readyz', '/openapi.json', '/items', '//healthz', '//x/items', '/items/', '*'),
      fc.integer({ min: 0, max: 2 }).map((k) => `/items/${SEEDED(k)}`),
      fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`),
    ),
    fc.option(fc.string({ unit: urlChar, maxLength: 20 }), { freq: 4 }),
  )
  .map(([path, query]) => (query === null ? path : `${path}?${query}`));

const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('GET', 'HEAD', 'POST') },
  { weight: 2, arbitrary: fc.constantFrom('PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'PROPFIND', 'SEARCH', 'QUERY', 'PURGE') },
  { weight: 1, arbitrary: fc.constantFrom('FOO', 'get', 'BREW') },
);

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const headers = fc.record(
  {
    'Content-Type': fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'Application/JSON; charset="UTF-8"',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/merge-patch+json',
      '',
    ),
    'Content-Encoding': fc.constantFrom('gzip', 'identity', 'br', 'GZIP'),
    'X-Request-Id': fc.oneof(fc.uuid(), printable, fc.constant('x'.repeat(129))),
    'If-None-Match': fc.oneof(
      fc.constantFrom('*', '"x"', 'W/"x"', ''),
      fc.integer({ min: 0, max: 2 }).map((k) => `"i1-${SEEDED(k)}"`),
      printable,
    ),
    Accept: fc.constantFrom('application/json', 'text/html', '*/*'),
    'X-Anything': printable,
  },
  { requiredKeys: [] },
);

// Bodies that are mostly what the API takes, with a hostile detail now and then.
const safeText = fc
  .string({ minLength: 1, maxLength: 30, unit: fc.constantFrom('a', ' ', '\n', '😀', 'é', '"', '\\', '\u2028', '\u0001', '<', '\t') })
  .filter((t) => t.trim() !== '');
const hostileText = fc.oneof(
  fc.string({
    maxLength: 30,
    unit: fc.constantFrom('a', ' ', '\n', '😀', 'é', '"', '\\', '\u0000', '\ud800', '\udc00', '\u2028', '\u0001', '<'),
  }),
  fc.constantFrom('', ' ', 'x'.repeat(200), 'x'.repeat(201), '😀'.repeat(200), 'y'.repeat(1001)),
);
const mostly = <T, U>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: hostile });
const safeNumber = fc.oneof(
  fc.integer(),
  fc.double({ min: -1e9, max: 1e9, noNaN: true }),
  fc.constantFrom(0, -0, 1e-130, -1e-130, Number.MAX_SAFE_INTEGER, 0.1, 1e-7),
);
const hostileNumber = fc.constantFrom(9e-131, 1.2345678901234567e19, 1e200, 1e-200, Number.MAX_SAFE_INTEGER + 1);
const key = mostly(
  fc.oneof(safeText, fc.constantFrom('constructor', 'toString', 'hasOwnProperty', 'k'.repeat(64))),
  fc.oneof(hostileText, fc.constantFrom('__proto__', 'k'.repeat(65))),
);
const value = mostly(
  fc.oneof(safeText, fc.constant(''), safeNumber, fc.boolean()),
  fc.oneof(hostileText, hostileNumber, fc.constant(null), fc.jsonValue({ maxDepth: 2 })),
);
const itemLike = fc.record(
  { name: mostly(safeText, fc.oneof(hostileText, value)), attributes: mostly(fc.dictionary(key, value, { maxKeys: 6 }), value) },
  { requiredKeys: ['name'] },
);
const body = fc.oneof(
  { weight: 6, arbitrary: itemLike.map((b) => JSON.stringify(b)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 9000 }).map((n) => `{"name":"deep","attributes":{"a":${'['.repeat(n)}${']'.repeat(n)}}}`),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', 'null', '{"name":"x"}garbage', `{"name":"${'z'.repeat(17_000)}"}`) },
);
const chaos = fc.record({ method, target, headers, body: fc.option(body, { freq: 3 }) });
// Calls a client of the API would make, with hostile details: most reach the store.
const api = fc.oneof(
  fc.record({
    method: fc.constant('POST'),
    target: fc.constant('/items'),
    headers: fc.constant({ 'Content-Type': 'application/json' }),
    // Around the body limit (16 KiB) too.
    body: fc.oneof(
      { weight: 4, arbitrary: itemLike.map((b) => JSON.stringify(b)) },
      { weight: 2, arbitrary: body },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 16_000, max: 17_000 }).map((n) => JSON.stringify({ name: 'big', attributes: { a: 'y'.repeat(n) } })),
      },
    ),
  }),
  fc.record({
    method: fc.constantFrom('GET', 'HEAD'),
    target: fc.oneof(
      fc.integer({ min: 0, max: 2 }).map((k) => `/items/${SEEDED(k)}`),
      fc.uuid().map((u) => `/items/${u}`),
    ),
    headers: fc.oneof(
      fc.constant({}),
      fc.integer({ min: 0, max: 2 }).map((k) => ({ 'If-None-Match': `"i1-${SEEDED(k)}"` })),
    ),
    body: fc.constant(null),
  }),
);
const request = fc.oneof({ weight: 2, arbitrary: api }, { weight: 3, arbitrary: chaos }) as fc.Arbitrary<{
  method: string;
  target: string;
  headers: Record<string, string>;
  body: string | Buffer | null;
}>;
type Request = typeof request extends fc.Arbitrary<infer R> ? R : never;

// ---- what must hold -----------------------------------------------------------------------------

/** The request as sent to one adapter: the k-th seeded item named by that adapter's id. */
function forAdapter(r: Request, ids: string[]) {
  const fill = (text: string) => text.replace(/\{seeded:(\d)\}/g, (_, k) => ids[Number(k)]);
  const headers = Object.fromEntries(Object.entries(r.headers).map(([name, value]) => [name, fill(value as string)]));
  return { target: fill(r.target), headers, body: r.body ?? undefined, method: r.method };
}

/** What may differ between the adapters' answers: ids, times, latencies, the store's name. */
function comparable(answer: Answer) {
  const headers = {
    allow: answer.headers.allow,
    'cache-control': answer.headers['cache-control'],
    'retry-after': answer.headers['retry-after'],
    location: answer.headers.location ? '<location>' : undefined,
  };
  if (answer.body === '' || answer.method === 'HEAD') return { status: answer.status, headers };
  let body: any;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return { status: answer.status, headers, body: answer.body };
  }
  if (typeof body?.id === 'string' && typeof body.createdAt === 'string') body = { ...body, id: '<id>', createdAt: '<time>' };
  if (typeof body?.dataStore === 'string') body = { ...body, dataStore: '<kind>' };
  if (typeof body?.dataStore === 'object')
    body = {
      ...body,
      dataStore: { ...body.dataStore, kind: '<kind>', ms: '<ms>' },
      cache: typeof body.cache === 'object' ? { ...body.cache, ms: '<ms>' } : body.cache,
    };
  // Messages quote what was sent, which named each adapter's own seeded ids (maybe cut short).
  if (typeof body?.error === 'string')
    body = { ...body, error: body.error.replace(/[0-9a-f-]*…/gi, '…').replace(/[0-9a-f]{8}[0-9a-f-]*/gi, '<id>') };
  return { status: answer.status, headers, body };
}

test(
  'any request: the same answer on both adapters, as documented, never a 5xx, the same stored values, both alive after',
  async () => {
    let runs = 0;
    let created = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        runs++;
        const answers = await Promise.all(
          KINDS.map((kind) => send(services[kind].base, forAdapter(r, seeded[kind]).target, forAdapter(r, seeded[kind]))),
        );
        for (const [i, answer] of answers.entries()) {
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          const problems = conformance.problems(answer);
          if (problems.length > 0) throw new Error(`${KINDS[i]}: ${answer.status} ${answer.body.slice(0, 200)}: ${problems.join('; ')}`);
          if (answer.status >= 500 && !(answer.status === 503 && answer.headers['retry-after']))
            throw new Error(`${KINDS[i]} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
        }
        // A dependency that is down on one side (a 503) is the only excuse for different answers.
        if (answers.some((a) => a.status === 503)) return;
        expect(comparable(answers[1])).toEqual(comparable(answers[0]));
        if (answers[0].status === 201) {
          created++;
          const read = await Promise.all(KINDS.map((kind, i) => send(services[kind].base, `/items/${json(answers[i]).id}`)));
          expect(read.map((a) => a.status)).toEqual([200, 200]);
          expect(comparable(read[1]).body).toEqual(comparable(read[0]).body);
          expect(comparable(read[0]).body).toEqual(comparable(answers[0]).body);
        }
      }),
      { seed: FUZZ_SEED, numRuns: FUZZ_RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
    );

    for (const kind of KINDS) {
      expect([kind, services[kind].child.exitCode, (await send(services[kind].base, '/healthz')).status]).toEqual([kind, null, 200]);
      expect(services[kind].logs.filter((l) => l.status >= 500)).toEqual([]);
    }
    // The runs reached far: many kinds of answer, and some items stored.
    expect(runs).toBeGreaterThanOrEqual(Math.min(FUZZ_RUNS, 50));
    expect([...statuses.keys()].filter((s) => [200, 201, 304, 400, 404, 405, 413, 415].includes(s)).sort()).toEqual([
      200, 201, 304, 400, 404, 405, 413, 415,
    ]);
    expect(created).toBeGreaterThan(0);
  },
  TIME_LIMIT_MS + 60_000,
);
