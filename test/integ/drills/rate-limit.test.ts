/** The rate-limit drill (lib/integ/drills/rate-limit.ts) against a front that is, or is not, the CDN's firewall. */
import { RATE_LIMIT, rateLimit } from '../../../lib/integ/drills/rate-limit';
import { httpDeps, StandIn, stageAt } from './stand-in';

const LIMIT = 10;
let standIn: StandIn;
afterEach(() => standIn.close());

async function drill(blockAfter?: number, deps = httpDeps()) {
  standIn = new StandIn({ blockAfter });
  const stage = stageAt(await standIn.start(), 5, { wafRateLimit: LIMIT });
  return rateLimit(stage, deps);
}

test('GIVEN a firewall that blocks once it notices, past the limit WHEN drilled THEN 429 after that many requests, and no more are sent', async () => {
  const noticed = 1.2 * LIMIT;
  const result = await drill(noticed);
  const [, n, s] = /^429 after (\d+) requests in (\d+) s \(wafRateLimit 10\)$/.exec(result.detail) ?? [];
  expect(result).toMatchObject({ name: 'rate-limit', ok: true });
  // Counted when the first 429 came: every request the firewall had let through, and those in flight.
  expect(Number(n)).toBeGreaterThan(noticed);
  expect(Number(n)).toBeLessThanOrEqual(noticed + RATE_LIMIT.concurrency);
  // None is sent after it.
  expect(standIn.requests).toHaveLength(Number(n));
  expect(new Set(standIn.requests)).toEqual(new Set(['GET /healthz']));
  // Paced: the 429 came no earlier than its request was due (n / budget of the way through the deadline).
  const paceMs = RATE_LIMIT.deadlineMs / (RATE_LIMIT.requestsPerLimit * LIMIT);
  expect(Number(s) * 1000).toBeGreaterThanOrEqual((Number(n) - 1) * paceMs - 500);
});

test('GIVEN a front that never answers 429 WHEN drilled THEN it fails after 4 × the limit, spread over the deadline', async () => {
  const result = await drill();
  expect(result).toMatchObject({
    ok: false,
    detail: 'no 429 after 40 requests in 176 s (wafRateLimit 10; at most 40 requests in 180 s)',
  });
  expect(standIn.requests).toHaveLength(40);
});

test('GIVEN the run is interrupted WHEN drilled THEN it stops sending and says so', async () => {
  const deps = httpDeps();
  const sleep = deps.clock.sleep;
  let sleeps = 0;
  deps.clock.sleep = (ms) => {
    if (++sleeps === 3) deps.interruption.interrupted = true;
    return sleep(ms);
  };
  const result = await drill(undefined, deps);
  expect(result.ok).toBe(false);
  expect(result.detail).toMatch(/^no 429 after \d+ requests in \d+ s \(wafRateLimit 10; interrupted\)$/);
  expect(standIn.requests.length).toBeLessThanOrEqual(2 * RATE_LIMIT.concurrency);
});
