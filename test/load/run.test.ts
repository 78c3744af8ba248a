/**
 * The load test (lib/load/run.ts) against a stand-in for autocannon and for the target: the ramp,
 * the mix of reads and writes, what a step reports, when a run counts as saturated, and the notes
 * that stop a user from mistaking a firewall or a busy load generator for the stage's ceiling.
 * test/integration/capacity.itest.ts runs it for real against the service.
 */
import {
  failedShare,
  identify,
  type LoadOptions,
  modelLine,
  rampOf,
  reportText,
  runLoad,
  runStep,
  type StepResult,
  seedItems,
} from '../../lib/load/run';

const OPTIONS: LoadOptions = {
  url: 'http://target:8080',
  rate: 400,
  durationSeconds: 4,
  steps: 4,
  connections: 50,
  readShare: 0.9,
  seed: 5,
};

/** A target that answers as the service does: its identity, and 201 with a fresh id for each item written. */
function serviceFetch(stage = 'Stage3-LoadBalanced', writes = { n: 0 }): typeof fetch {
  return (async (input: URL | string | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    if (url.pathname === '/' && !init?.method)
      return new Response(JSON.stringify({ service: 'zero-to-millions', stage, dataStore: 'rds', region: 'us-east-1' }));
    if (url.pathname === '/items' && init?.method === 'POST')
      return new Response(JSON.stringify({ id: `seed-${++writes.n}` }), { status: 201 });
    return new Response('not found', { status: 404 });
  }) as typeof fetch;
}

interface Call {
  readonly options: any;
  readonly requests: { method: string; path: string }[];
}

/**
 * An autocannon that answers each step as `answer` says: statuses, latency, errors. It builds 1,000
 * requests to see the mix, each with a context of its own as autocannon's request iterator gives,
 * and answers all of them but the first `unanswered`.
 */
function fakeAutocannon(
  answer: (
    rate: number,
    index: number,
  ) => { statuses: Record<string, number>; p99?: number; errors?: number; timeouts?: number; unanswered?: number },
) {
  const calls: Call[] = [];
  const run = (async (options: any) => {
    const requests: { method: string; path: string }[] = [];
    const [spec] = options.requests;
    const a = answer(options.overallRate, calls.length);
    for (let i = 0; i < 1000; i++) {
      const context = {};
      const r = spec.setupRequest({ method: 'GET', path: '/' }, context);
      requests.push({ method: r.method, path: r.path });
      if (i < (a.unanswered ?? 0)) continue;
      spec.onResponse(r.method === 'POST' ? 201 : 200, JSON.stringify({ id: `made-${calls.length}-${i}` }), context);
    }
    spec.onResponse(500, 'not json', {}); // an answer that is not the service's is ignored
    calls.push({ options, requests });
    return {
      statusCodeStats: Object.fromEntries(Object.entries(a.statuses).map(([code, count]) => [code, { count }])),
      latency: { p50: 2, p90: 4, p99: a.p99 ?? 8, max: 20 },
      errors: a.errors ?? 0,
      timeouts: a.timeouts ?? 0,
    };
  }) as any;
  return { run, calls };
}

const step = (statuses: Record<string, number>, errors = 0, timeouts = 0): StepResult => ({
  offered: 100,
  reached: 100,
  seconds: 1,
  latencyMs: { p50: 1, p90: 2, p99: 3, max: 4 },
  statuses,
  errors,
  timeouts,
  unanswered: 0,
  clientCpuMicros: 0,
  clientCores: 0,
});

test('the ramp climbs in even steps to the rate, never below one a second', () => {
  expect(rampOf(1000, 4)).toEqual([250, 500, 750, 1000]);
  expect(rampOf(3, 5)).toEqual([1, 1, 2, 2, 3]);
  expect(rampOf(7, 1)).toEqual([7]);
});

/** A step run on a fake clock: its requests sent at 0 ms, the step over `endedAt` ms later. */
async function stepEndingAt(cannon: ReturnType<typeof fakeAutocannon>, endedAt: number) {
  let clock = 0;
  const run = (async (options: any) => {
    const result = await cannon.run(options);
    clock = endedAt;
    return result;
  }) as any;
  return runStep(run, OPTIONS, 100, 1, ['a'], () => clock);
}

test('GIVEN a target that stops answering WHEN a step ends THEN the requests left waiting a second or more fail it; those just sent do not', async () => {
  const hanging = fakeAutocannon(() => ({ statuses: { 200: 3 }, unanswered: 997 }));
  const step = await stepEndingAt(hanging, 1500);
  expect(step.unanswered).toBe(997);
  expect(failedShare(step)).toBeCloseTo(997 / 1000, 9);
  // Sent in the step's last second: cut short by its end, not failed.
  expect((await stepEndingAt(hanging, 400)).unanswered).toBe(0);
  // A connection's error leaves its request waiting too: counted once.
  const counted = await stepEndingAt(
    fakeAutocannon(() => ({ statuses: { 200: 990 }, errors: 10, unanswered: 10 })),
    2000,
  );
  expect([counted.errors, counted.unanswered]).toEqual([10, 0]);
});

test('a step fails by its 5xx and its requests without an answer; 4xx are answers', () => {
  expect(failedShare(step({ 200: 90, 201: 10 }))).toBe(0);
  expect(failedShare(step({ 200: 90, 503: 10 }))).toBeCloseTo(0.1, 9);
  expect(failedShare(step({ 200: 98 }, 1, 1))).toBeCloseTo(0.02, 9);
  expect(failedShare({ ...step({ 200: 97 }), unanswered: 3 })).toBeCloseTo(0.03, 9);
  expect(failedShare(step({ 429: 50, 404: 50 }))).toBe(0);
  expect(failedShare(step({}))).toBe(1); // nothing answered: all failed
});

test('GIVEN a healthy target WHEN loaded THEN it seeds items, ramps with a deadline per step, and mixes reads of known items with writes', async () => {
  const writes = { n: 0 };
  const cannon = fakeAutocannon(() => ({ statuses: { 200: 900, 201: 100 } }));
  const progress: string[] = [];
  const report = await runLoad(OPTIONS, cannon.run, (l) => progress.push(l), serviceFetch('Stage3-LoadBalanced', writes));
  expect(writes.n).toBe(5);
  expect(report.target).toEqual({ stage: 'Stage3-LoadBalanced', dataStore: 'rds', region: 'us-east-1' });
  expect(cannon.calls.map((c) => c.options.overallRate)).toEqual([100, 200, 300, 400]);
  for (const c of cannon.calls) {
    // Bounded by its deadline (checked every 100 ms) and by its count, whichever comes first.
    expect(c.options).toMatchObject({
      url: OPTIONS.url,
      duration: 1,
      timeout: 10,
      sampleInt: 100,
      maxOverallRequests: c.options.overallRate,
    });
    expect(c.options.amount).toBeUndefined();
    expect(c.options.connections).toBeLessThanOrEqual(OPTIONS.connections);
    const reads = c.requests.filter((r) => r.method === 'GET');
    expect(reads.length / c.requests.length).toBeGreaterThan(0.85);
    expect(reads.length / c.requests.length).toBeLessThan(0.95);
    // Reads ask for items the run wrote: seeded first, then made by its own writes.
    for (const r of reads) expect(r.path).toMatch(/^\/items\/(seed-\d+|made-\d+-\d+)$/);
    for (const r of c.requests.filter((x) => x.method === 'POST')) expect(r.path).toBe('/items');
  }
  expect(cannon.calls[3].requests.some((r) => /made-/.test(r.path))).toBe(true);
  expect(progress).toEqual([
    '  … 100 requests a second for 1.0 s',
    '  … 200 requests a second for 1.0 s',
    '  … 300 requests a second for 1.0 s',
    '  … 400 requests a second for 1.0 s',
  ]);
  expect(report.saturatedAt).toBeUndefined();
  expect(report.sustained).toBeGreaterThan(0);
  expect(report.steps[0].statuses).toEqual({ 200: 900, 201: 100 });
});

test('a step with fewer requests than connections opens only as many connections as it sends', async () => {
  const cannon = fakeAutocannon(() => ({ statuses: { 200: 1 } }));
  await runLoad({ ...OPTIONS, rate: 2, steps: 1, durationSeconds: 1, connections: 50 }, cannon.run, undefined, serviceFetch());
  expect(cannon.calls[0].options.connections).toBe(2);
});

test('GIVEN a target that fails past a rate WHEN loaded THEN the run is saturated there and sustains only the healthy steps', async () => {
  const cannon = fakeAutocannon((rate) => ({
    statuses: (rate <= 200 ? { 200: rate } : { 200: rate / 2, 503: rate / 2 }) as Record<string, number>,
  }));
  const report = await runLoad(OPTIONS, cannon.run, undefined, serviceFetch());
  expect(report.saturatedAt).toBe(300);
  expect(report.sustained).toBe(Math.max(report.steps[0].reached, report.steps[1].reached));
  // A p99 ten times the first step's saturates too, with no error.
  const slow = fakeAutocannon((rate) => ({ statuses: { 200: rate }, p99: rate >= 300 ? 200 : 8 }));
  expect((await runLoad(OPTIONS, slow.run, undefined, serviceFetch())).saturatedAt).toBe(300);
});

test('the report says when 429s are the firewall, and sets the run against the model', async () => {
  const cannon = fakeAutocannon(() => ({ statuses: { 200: 80, 429: 20 } }));
  const report = await runLoad(OPTIONS, cannon.run, undefined, serviceFetch('Stage5-CacheAndCdn'));
  expect(report.rateLimited).toBe(80);
  const text = reportText(report, {
    stage: 'Stage5-CacheAndCdn',
    ceiling: 18_519,
    bottleneck: 'managed cache: up to 10,000 ECPU/s',
    readShare: 0.9,
  });
  expect(text).toMatch(/^Load test of http:\/\/target:8080 \(Stage5-CacheAndCdn, rds, us-east-1\)$/m);
  expect(text).toMatch(/^ +100 +\d+ +2\.0 +4\.0 +8\.0 +20\.0 {2}200 × 80, 429 × 20$/m);
  expect(text).toContain(
    "80 answers were 429: the firewall's rate limit, which counts each address on its own. It is not the stage's ceiling",
  );
  expect(text).toMatch(
    /The model's ceiling for Stage5-CacheAndCdn in this configuration: 18,519 requests a second at 90 % reads, saturating first: managed cache: up to 10,000 ECPU\/s\. This run sustained \d+ % of it, without saturating\.$/,
  );
  expect(text).toContain('did not saturate: raise --rate to find the ceiling');
  expect(
    modelLine({ ...report, sustained: 12 }, { stage: 'Stage3-LoadBalanced', ceiling: 54_615, bottleneck: 'database', readShare: 0.9 }),
  ).toContain('This run sustained under 1 % of it, without saturating.');
  expect(reportText({ ...report, sustained: 1 })).toMatch(/^Sustained 1 request a second with under 1 % failed/m);
});

test('a load generator near a whole core is named as a possible limit', () => {
  const busy = { ...step({ 200: 10 }), clientCores: 0.97, offered: 3000 };
  const text = reportText({
    url: 'http://x',
    target: { stage: 'local' },
    steps: [step({ 200: 10 }), busy],
    sustained: 100,
    rateLimited: 0,
  });
  expect(text).toContain('The load generator used 0.97 cores at 3000/s: from there it may be the limit, not the target.');
  expect(text).not.toContain("The model's ceiling");
});

test('GIVEN a URL that is not the service WHEN identified THEN the error says what answered and what was expected', async () => {
  const other = (async () => new Response('<html>hello</html>', { status: 200 })) as unknown as typeof fetch;
  await expect(identify('http://x', other)).rejects.toThrow(
    "http://x: GET / answered 200 <html>hello</html>; expected the zero-to-millions service's identity",
  );
  const down = (async () => {
    throw new TypeError('fetch failed');
  }) as unknown as typeof fetch;
  await expect(identify('http://x', down)).rejects.toThrow(
    'http://x did not answer GET / (fetch failed): is the stage up, and is the URL its API?',
  );
});

test('GIVEN a target that refuses every write WHEN seeding THEN the run stops before its ramp, saying why', async () => {
  const refusing = (async (input: URL | string | Request) =>
    new URL(String(input)).pathname === '/items'
      ? new Response('{"error":"read-only"}', { status: 503 })
      : new Response('{}')) as typeof fetch;
  await expect(seedItems('http://x', 3, refusing)).rejects.toThrow('seeding: POST /items wrote no item (503 {"error":"read-only"})');
  // Some writes refused is not an error: the reads use those that were written.
  let n = 0;
  const flaky = (async () =>
    n++ % 2 ? new Response('{"id":"a"}', { status: 201 }) : new Response('busy', { status: 503 })) as unknown as typeof fetch;
  expect(await seedItems('http://x', 4, flaky)).toEqual(['a', 'a']);
  // A 201 that is not the service's, and a target that never answers, are said as such, on one line.
  const odd = (async () => new Response('not\n json', { status: 201 })) as unknown as typeof fetch;
  await expect(seedItems('http://x', 2, odd)).rejects.toThrow('seeding: POST /items wrote no item (201 not json)');
  const hung = ((_: unknown, init: RequestInit) =>
    new Promise((_resolve, reject) =>
      init.signal!.addEventListener('abort', () => reject(new Error('aborted'))),
    )) as unknown as typeof fetch;
  const started = Date.now();
  await expect(seedItems('http://x', 1000, hung, 0.2)).rejects.toThrow('seeding: POST /items wrote no item (no answer (aborted))');
  expect(Date.now() - started).toBeLessThan(2000); // the seeding deadline, not 1000 requests × 10 s
});
