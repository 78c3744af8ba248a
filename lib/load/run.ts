/**
 * A load test of a running stage: item reads and writes at a stated mix, in steps that ramp up to a
 * target rate, each step reported with what it reached (throughput, latency percentiles, answers by
 * status, errors), then set against the capacity model's ceiling for that stage. Built on autocannon;
 * bounded: every step sends at most its rate for its seconds, and ends at its deadline whatever the
 * target does.
 *
 * autocannon paces a rate by giving each connection its share of every second and sending it as
 * soon as the second begins: below the ceiling, latency includes the queue of that burst (a p50 of
 * 10–15 ms on loopback at a few hundred a second). The rate reached, the answers and the errors are
 * what they are; read latency from the steps near the ceiling, where connections are always busy.
 *
 * It writes: each write creates an item, as the stage's users would. The items it reads are those it
 * created itself first (`seed` of them) and those its writes create.
 */
import type autocannonType from 'autocannon';

export interface LoadOptions {
  /** The stage's API: `https://api.example.com`, `http://127.0.0.1:8080`. */
  readonly url: string;
  /** The rate of the last step, requests a second over all connections. */
  readonly rate: number;
  /** Seconds of the whole ramp. */
  readonly durationSeconds: number;
  /** Steps from rate ÷ steps up to rate, each durationSeconds ÷ steps long. */
  readonly steps: number;
  readonly connections: number;
  /** The share of requests that read an item; the others write one. */
  readonly readShare: number;
  /** Items written before the ramp, for the reads to find. */
  readonly seed: number;
}

export interface StepResult {
  /** Requests a second asked for, and reached. */
  readonly offered: number;
  readonly reached: number;
  readonly seconds: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  /** Answers by HTTP status. */
  readonly statuses: Record<string, number>;
  /** Requests that got no answer: the connection failed, the request's 10 s passed, or it waited a second or more and the step ended first. */
  readonly errors: number;
  readonly timeouts: number;
  readonly unanswered: number;
  /** This process's CPU over the step (µs), and in cores: near one, the load generator was the limit, not the target. */
  readonly clientCpuMicros: number;
  readonly clientCores: number;
}

export interface LoadReport {
  readonly url: string;
  /** What the target says it is, from `GET /`. */
  readonly target: { readonly stage: string; readonly dataStore?: string; readonly region?: string };
  readonly steps: StepResult[];
  /** The highest rate a step reached with under 1 % of its requests failed (5xx, no answer). */
  readonly sustained: number;
  /** The first step that failed more than 1 % of its requests, or whose p99 exceeded its step's first p99 tenfold. */
  readonly saturatedAt?: number;
  /** Answers 429: the firewall's rate limit, per address, not the stage's ceiling. */
  readonly rateLimited: number;
}

/** The most a run may ask for: a test bounded in rate, time and connections. */
export const LOAD_LIMITS = { rate: 100_000, durationSeconds: 600, connections: 2_000, steps: 20, seed: 10_000, seedSeconds: 60 } as const;

const ITEM_BODY = JSON.stringify({ name: 'load test', attributes: { source: 'npm run load' } });

type Autocannon = typeof autocannonType;

/** The start of a body, on one line. */
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 120);

/** Reads `/` of the target: its stage, store and region; throws when it does not answer as the service does. */
export async function identify(url: string, fetchImpl: typeof fetch = fetch): Promise<LoadReport['target']> {
  let response: Response;
  try {
    response = await fetchImpl(new URL('/', url), { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new Error(`${url} did not answer GET / (${(error as Error).message}): is the stage up, and is the URL its API?`);
  }
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok || body?.service !== 'zero-to-millions')
    throw new Error(`${url}: GET / answered ${response.status} ${oneLine(text)}; expected the zero-to-millions service's identity`);
  return { stage: String(body.stage), dataStore: body.dataStore, region: body.region };
}

/** Writes `count` items, 16 at a time, within LOAD_LIMITS.seedSeconds; their ids. */
export async function seedItems(
  url: string,
  count: number,
  fetchImpl: typeof fetch = fetch,
  seconds: number = LOAD_LIMITS.seedSeconds,
): Promise<string[]> {
  const ids: string[] = [];
  const failures: string[] = [];
  const deadline = AbortSignal.timeout(seconds * 1000);
  let next = 0;
  const write = async (): Promise<void> => {
    let response: Response;
    try {
      response = await fetchImpl(new URL('/items', url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: ITEM_BODY,
        signal: AbortSignal.any([deadline, AbortSignal.timeout(10_000)]),
      });
    } catch (error) {
      failures.push(`no answer (${(error as Error).message})`);
      return;
    }
    const text = await response.text().catch(() => '');
    let id: unknown;
    try {
      id = JSON.parse(text)?.id;
    } catch {
      id = undefined;
    }
    if (response.status === 201 && typeof id === 'string') ids.push(id);
    else failures.push(`${response.status} ${oneLine(text)}`);
  };
  const worker = async () => {
    while (next < count && !deadline.aborted) {
      next++;
      await write();
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, count) }, worker));
  if (ids.length === 0 && count > 0)
    throw new Error(`seeding: POST /items wrote no item (${failures[0] ?? `nothing answered within ${seconds} s`})`);
  return ids;
}

const percentile = (latency: any, p: string) => Number(latency?.[p] ?? Number.NaN);

/** One step: `rate` requests a second for `seconds`, reads and writes at `readShare`, reads of the items known so far. */
export async function runStep(
  autocannon: Autocannon,
  options: LoadOptions,
  rate: number,
  seconds: number,
  ids: string[],
  /** Milliseconds, for when each request was sent and the step ended. */
  now: () => number = () => performance.now(),
): Promise<StepResult> {
  const requests = Math.max(1, Math.round(rate * seconds));
  const connections = Math.min(options.connections, requests);
  // Each request's context (one per request in flight on a connection) and when it was sent.
  const inFlight = new Map<object, number>();
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const result: any = await autocannon({
    url: options.url,
    connections,
    overallRate: rate,
    // A step ends at its deadline whatever the target does (checked every 100 ms, not autocannon's
    // second), and sends no more than its rate for its seconds; a request waits at most 10 s.
    duration: seconds,
    sampleInt: 100,
    maxOverallRequests: requests,
    timeout: 10,
    requests: [
      {
        setupRequest: (request: any, context: object) => {
          inFlight.set(context, now());
          return Math.random() < options.readShare && ids.length > 0
            ? { ...request, method: 'GET', path: `/items/${ids[Math.floor(Math.random() * ids.length)]}`, body: undefined, headers: {} }
            : { ...request, method: 'POST', path: '/items', body: ITEM_BODY, headers: { 'content-type': 'application/json' } };
        },
        onResponse: (status: number, body: string, context: object) => {
          inFlight.delete(context);
          if (status !== 201) return;
          try {
            ids.push(JSON.parse(body).id);
          } catch {
            // not the service's answer: counted by its status
          }
        },
      },
    ],
  } as any);
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  // Requests still waiting when the step ended: those sent in its last second may just have been
  // cut short; one waiting a second or more had no answer. A connection's error or timeout leaves
  // its request here too, already counted.
  const ended = now();
  const overdue = [...inFlight.values()].filter((sentAt) => ended - sentAt >= 1000).length;
  const errors = Number(result.errors ?? 0);
  const timeouts = Number(result.timeouts ?? 0);
  const clientCpuMicros = cpu.user + cpu.system;
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = (stat as { count: number }).count;
  const answered = Object.values(statuses).reduce((a, b) => a + b, 0);
  return {
    offered: rate,
    reached: answered / elapsed,
    seconds: elapsed,
    latencyMs: {
      p50: percentile(result.latency, 'p50'),
      p90: percentile(result.latency, 'p90'),
      p99: percentile(result.latency, 'p99'),
      max: percentile(result.latency, 'max'),
    },
    statuses,
    errors,
    timeouts,
    unanswered: Math.max(0, overdue - errors - timeouts),
    clientCpuMicros,
    clientCores: clientCpuMicros / 1e6 / elapsed,
  };
}

/** The share of a step's requests that failed: a 5xx, or no answer. */
export function failedShare(step: StepResult): number {
  const fivexx = Object.entries(step.statuses)
    .filter(([code]) => code.startsWith('5'))
    .reduce((n, [, c]) => n + c, 0);
  const failed = step.errors + step.timeouts + step.unanswered;
  const total = Object.values(step.statuses).reduce((a, b) => a + b, 0) + failed;
  return total === 0 ? 1 : (fivexx + failed) / total;
}

/** The rates of the ramp: `steps` even steps up to `rate`. */
export const rampOf = (rate: number, steps: number) =>
  Array.from({ length: steps }, (_, i) => Math.max(1, Math.round((rate * (i + 1)) / steps)));

export async function runLoad(
  options: LoadOptions,
  autocannon: Autocannon,
  progress: (line: string) => void = () => undefined,
  fetchImpl: typeof fetch = fetch,
): Promise<LoadReport> {
  const target = await identify(options.url, fetchImpl);
  const ids = await seedItems(options.url, options.seed, fetchImpl);
  const seconds = options.durationSeconds / options.steps;
  const results: StepResult[] = [];
  for (const rate of rampOf(options.rate, options.steps)) {
    progress(`  … ${rate} requests a second for ${seconds.toFixed(1)} s`);
    results.push(await runStep(autocannon, options, rate, seconds, ids));
  }
  const healthy = results.filter((s) => failedShare(s) < 0.01);
  const firstP99 = results[0]?.latencyMs.p99 ?? Number.NaN;
  const saturated = results.find((s) => failedShare(s) >= 0.01 || s.latencyMs.p99 > 10 * Math.max(firstP99, 1));
  return {
    url: options.url,
    target,
    steps: results,
    sustained: Math.max(0, ...healthy.map((s) => s.reached)),
    saturatedAt: saturated?.offered,
    rateLimited: results.reduce((n, s) => n + (s.statuses['429'] ?? 0), 0),
  };
}

const requestsASecond = (n: number) => `${Math.round(n).toLocaleString('en-US')} request${Math.round(n) === 1 ? '' : 's'} a second`;

/** The report as the terminal shows it, with the model's ceiling beside it when there is one. */
export interface ModelCeiling {
  readonly stage: string;
  readonly ceiling: number;
  readonly bottleneck: string;
  readonly readShare: number;
}

export function reportText(report: LoadReport, model?: ModelCeiling): string {
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  const lines = [
    `Load test of ${report.url} (${report.target.stage}${report.target.dataStore ? `, ${report.target.dataStore}` : ''}${report.target.region ? `, ${report.target.region}` : ''})`,
    `${pad('offered/s', 10)} ${pad('reached/s', 10)} ${pad('p50 ms', 8)} ${pad('p90 ms', 8)} ${pad('p99 ms', 8)} ${pad('max ms', 8)}  answers by status, errors`,
    ...report.steps.map((s) => {
      const statuses = Object.entries(s.statuses)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([code, n]) => `${code} × ${n}`)
        .join(', ');
      const failures = [
        s.errors ? `${s.errors} connection errors` : '',
        s.timeouts ? `${s.timeouts} timed out` : '',
        s.unanswered ? `${s.unanswered} no answer` : '',
      ]
        .filter(Boolean)
        .join(', ');
      return `${pad(s.offered, 10)} ${pad(s.reached.toFixed(0), 10)} ${pad(s.latencyMs.p50.toFixed(1), 8)} ${pad(s.latencyMs.p90.toFixed(1), 8)} ${pad(s.latencyMs.p99.toFixed(1), 8)} ${pad(s.latencyMs.max.toFixed(1), 8)}  ${statuses || 'no answer'}${failures ? `; ${failures}` : ''}`;
    }),
    `Sustained ${requestsASecond(report.sustained)} with under 1 % failed${report.saturatedAt ? `; saturated from the step at ${report.saturatedAt}/s (over 1 % failed, or p99 ten times the first step's)` : '; did not saturate: raise --rate to find the ceiling'}.`,
  ];
  const busy = report.steps.filter((s) => s.clientCores > 0.9);
  if (busy.length > 0)
    lines.push(
      `The load generator used ${Math.max(...busy.map((s) => s.clientCores)).toFixed(2)} cores at ${busy[0].offered}/s: from there it may be the limit, not the target. Run several, from more machines.`,
    );
  if (report.rateLimited > 0)
    lines.push(
      `${report.rateLimited} answers were 429: the firewall's rate limit, which counts each address on its own. It is not the stage's ceiling: run from more machines, or raise wafRateLimit for the test.`,
    );
  if (model) lines.push(modelLine(report, model));
  return lines.join('\n');
}

/** What the run sustained against the model's ceiling for the stage. */
export function modelLine(report: LoadReport, model: ModelCeiling): string {
  const share = (100 * report.sustained) / model.ceiling;
  return `The model's ceiling for ${model.stage} in this configuration: ${requestsASecond(model.ceiling)} at ${Math.round(100 * model.readShare)} % reads, saturating first: ${model.bottleneck}. This run sustained ${share > 0 && share < 1 ? 'under 1 %' : `${share.toFixed(0)} %`} of it${report.saturatedAt ? '' : ', without saturating'}.`;
}
