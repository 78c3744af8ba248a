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
  /** Requests that got no answer: the connection failed, or the deadline passed. */
  readonly errors: number;
  readonly timeouts: number;
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
export const LOAD_LIMITS = { rate: 100_000, durationSeconds: 600, connections: 2_000, steps: 20, seed: 10_000 } as const;

const ITEM_BODY = JSON.stringify({ name: 'load test', attributes: { source: 'npm run load' } });

type Autocannon = typeof autocannonType;

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
    throw new Error(`${url}: GET / answered ${response.status} ${text.slice(0, 120)}; expected the zero-to-millions service's identity`);
  return { stage: String(body.stage), dataStore: body.dataStore, region: body.region };
}

/** Writes `count` items, `connections` at a time; their ids. */
export async function seedItems(url: string, count: number, fetchImpl: typeof fetch = fetch): Promise<string[]> {
  const ids: string[] = [];
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const response = await fetchImpl(new URL('/items', url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: ITEM_BODY,
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      if (response.status === 201) ids.push(JSON.parse(text).id);
      else failures.push(`${response.status} ${text.slice(0, 120)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, count) }, worker));
  if (ids.length === 0 && count > 0) throw new Error(`seeding: no item could be written (${failures[0] ?? 'no answer'})`);
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
): Promise<StepResult> {
  const connections = Math.max(1, Math.min(options.connections, Math.round(rate * seconds)));
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const result: any = await autocannon({
    url: options.url,
    connections,
    overallRate: rate,
    // A step ends at its deadline whatever the target does; a request waits at most 10 s for its answer.
    duration: seconds,
    timeout: 10,
    requests: [
      {
        setupRequest: (request: any) =>
          Math.random() < options.readShare && ids.length > 0
            ? { ...request, method: 'GET', path: `/items/${ids[Math.floor(Math.random() * ids.length)]}`, body: undefined, headers: {} }
            : { ...request, method: 'POST', path: '/items', body: ITEM_BODY, headers: { 'content-type': 'application/json' } },
        onResponse: (status: number, body: string) => {
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
    errors: Number(result.errors ?? 0),
    timeouts: Number(result.timeouts ?? 0),
    clientCpuMicros,
    clientCores: clientCpuMicros / 1e6 / elapsed,
  };
}

/** The share of a step's requests that failed: a 5xx, or no answer. */
export function failedShare(step: StepResult): number {
  const fivexx = Object.entries(step.statuses)
    .filter(([code]) => code.startsWith('5'))
    .reduce((n, [, c]) => n + c, 0);
  const total = Object.values(step.statuses).reduce((a, b) => a + b, 0) + step.errors + step.timeouts;
  return total === 0 ? 1 : (fivexx + step.errors + step.timeouts) / total;
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

/** The report as the terminal shows it, with the model's ceiling beside it when there is one. */
export function reportText(report: LoadReport, model?: { stage: string; ceiling: number; bottleneck: string; readShare: number }): string {
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  const lines = [
    `Load test of ${report.url} (${report.target.stage}${report.target.dataStore ? `, ${report.target.dataStore}` : ''}${report.target.region ? `, ${report.target.region}` : ''})`,
    `${pad('offered/s', 10)} ${pad('reached/s', 10)} ${pad('p50 ms', 8)} ${pad('p90 ms', 8)} ${pad('p99 ms', 8)} ${pad('max ms', 8)}  answers by status, errors`,
    ...report.steps.map((s) => {
      const statuses = Object.entries(s.statuses)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([code, n]) => `${code} × ${n}`)
        .join(', ');
      const failures = [s.errors ? `${s.errors} no answer` : '', s.timeouts ? `${s.timeouts} timed out` : ''].filter(Boolean).join(', ');
      return `${pad(s.offered, 10)} ${pad(s.reached.toFixed(0), 10)} ${pad(s.latencyMs.p50.toFixed(1), 8)} ${pad(s.latencyMs.p90.toFixed(1), 8)} ${pad(s.latencyMs.p99.toFixed(1), 8)} ${pad(s.latencyMs.max.toFixed(1), 8)}  ${statuses || 'no answer'}${failures ? `; ${failures}` : ''}`;
    }),
    `Sustained ${report.sustained.toFixed(0)} requests a second with under 1 % failed${report.saturatedAt ? `; saturated from the step at ${report.saturatedAt}/s (over 1 % failed, or p99 ten times the first step's)` : '; did not saturate: raise --rate to find the ceiling'}.`,
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
  if (model) {
    const share = (100 * report.sustained) / model.ceiling;
    lines.push(
      `The model's ceiling for ${model.stage} in this configuration: ${Math.round(model.ceiling).toLocaleString('en-US')} requests a second at ${Math.round(100 * model.readShare)} % reads, saturating first: ${model.bottleneck}. This run sustained ${share.toFixed(0)} % of it${report.saturatedAt ? '' : ', without saturating'}.`,
    );
  }
  return lines.join('\n');
}
