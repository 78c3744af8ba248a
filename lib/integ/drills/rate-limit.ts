/**
 * rate-limit (stage 5 and up, `wafMode=block`): an address that sends more than `wafRateLimit`
 * requests in the firewall's 5-minute window is answered 429 with the firewall's own body.
 *
 * WAF does not block at the limit's request: it estimates each address's rate now and then, and AWS
 * says a rate over the limit may go on for up to several minutes before it acts, usually under 30 s
 * (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-caveats.html).
 * So the drill sends 4 × wafRateLimit requests at most, paced evenly over its deadline: the limit is
 * passed a quarter of the way in, leaving three quarters of the deadline for WAF to notice. The path
 * is `/healthz`, which the CDN's default behaviour passes to the service and which touches nothing.
 * The block then lasts the window, so this drill runs after every other HTTP proof (drillsFor).
 */
import { RATE_LIMITED_BODY } from '../../edge-contract';
import type { ProofResult, StageUnderTest } from '../types';
import { at, type HttpDeps, inParallel, request, seconds, started, Tally } from './shared';

export const RATE_LIMIT = {
  /** At most this many times wafRateLimit requests. */
  requestsPerLimit: 4,
  /** They are spread over this long, and the drill stops at it. */
  deadlineMs: 180_000,
  /** Requests in flight at once. */
  concurrency: 8,
  path: 'healthz',
} as const;

export async function rateLimit(stage: StageUnderTest, deps: HttpDeps): Promise<ProofResult> {
  const { http, clock, interruption } = deps;
  const result = started('rate-limit', clock);
  const limit = stage.config.wafRateLimit;
  const budget = RATE_LIMIT.requestsPerLimit * limit;
  const paceMs = RATE_LIMIT.deadlineMs / budget;
  const url = at(stage, RATE_LIMIT.path);
  const others = new Tally();
  let sent = 0;
  /** Each 429 of the firewall as it came: how many requests had been sent by then, and when. */
  const blocked: { sent: number; ms: number }[] = [];

  const done = () => blocked.length > 0 || interruption.interrupted || result.elapsed() >= RATE_LIMIT.deadlineMs;
  await inParallel(budget, RATE_LIMIT.concurrency, async (index) => {
    if (done()) return false;
    const wait = result.startedAt + index * paceMs - clock.now();
    if (wait > 0) await clock.sleep(wait);
    if (done()) return false;
    sent++;
    const answer = await request(http, url);
    if (answer.status === 429 && answer.text === RATE_LIMITED_BODY) blocked.push({ sent, ms: result.elapsed() });
    else if (answer.status !== 200) others.add(answer.status);
    return undefined;
  });

  const unexpected = others.listed();
  const also = unexpected ? `; other answers: ${unexpected}` : '';
  const [first] = blocked;
  if (first) return result.pass(`429 after ${first.sent} requests in ${seconds(first.ms)} s (wafRateLimit ${limit})${also}`);
  const why = interruption.interrupted ? 'interrupted' : `at most ${budget} requests in ${seconds(RATE_LIMIT.deadlineMs)} s`;
  return result.fail(`no 429 after ${sent} requests in ${seconds(result.elapsed())} s (wafRateLimit ${limit}; ${why})${also}`);
}
