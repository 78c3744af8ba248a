/**
 * What the drills share: the clients they are given, one way to wait for something, running a few
 * requests at a time, the requests more than one drill makes, and how a result is written.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Http, Interruption, ProofClock, ProofResult, StageUnderTest } from '../types';

/**
 * Everything a drill may be given; each drill's signature picks the part it uses. The AWS clients are
 * in the region of the stage's own stack (`stage.stacks[0].region`), where its servers and database are.
 */
export interface DrillDeps {
  readonly http: Http;
  readonly clock: ProofClock;
  readonly interruption: Interruption;
  readonly ec2: Pick<EC2Client, 'send'>;
  readonly ecs: Pick<ECSClient, 'send'>;
  readonly rds: Pick<RDSClient, 'send'>;
}

/** What every drill uses: HTTP, time, and whether to stop. */
export type HttpDeps = Pick<DrillDeps, 'http' | 'clock' | 'interruption'>;

/** How long one request may take before it counts as failed (status 0), so no deadline waits on a hung connection. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** An answer read whole; status 0 when no answer came (the connection failed or timed out), `text` then says why. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** `path` (no leading slash: `items/…`) under the stage's front door, which ends with `/`. */
export const at = (stage: StageUnderTest, path: string): string => new URL(path, stage.url).href;

export async function request(http: Http, url: string, init: RequestInit = {}): Promise<Answer> {
  try {
    const response = await http(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...init });
    return { status: response.status, headers: response.headers, text: await response.text() };
  } catch (error) {
    return { status: 0, headers: new Headers(), text: (error as Error).message ?? String(error) };
  }
}

/** POST /items with a small item named after the drill (and the session cookie, when given): the answer and the new id on a 201. */
export async function postItem(http: Http, stage: StageUnderTest, drill: string, cookie?: string): Promise<Answer & { id?: string }> {
  const answer = await request(http, at(stage, 'items'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ name: `integ ${drill}`, attributes: { drill } }),
  });
  if (answer.status !== 201) return answer;
  return { ...answer, id: (JSON.parse(answer.text) as { id: string }).id };
}

/** An answer in a few words for a detail: `503 {"error":"the data store is unavailable…`. */
export const briefly = (answer: Answer): string => `${answer.status || 'no answer'} ${answer.text.slice(0, 80)}`.trim();

/** What `poll` found, or why it stopped looking. */
export type Polled<T> = { readonly value: T } | { readonly value?: undefined; readonly gaveUp: string };

/**
 * Asks `probe` every `everyMs` until it answers (anything but undefined), `withinMs` has passed or the
 * run is interrupted. The one way the drills wait.
 */
export async function poll<T>(
  deps: Pick<HttpDeps, 'clock' | 'interruption'>,
  withinMs: number,
  everyMs: number,
  probe: () => Promise<T | undefined>,
): Promise<Polled<T>> {
  const end = deps.clock.now() + withinMs;
  for (;;) {
    if (deps.interruption.interrupted) return { gaveUp: 'the run was interrupted' };
    const value = await probe();
    if (value !== undefined) return { value };
    if (deps.clock.now() + everyMs > end) return { gaveUp: `not within ${seconds(withinMs)} s` };
    await deps.clock.sleep(everyMs);
  }
}

/** Runs `task(0)`, `task(1)` … `task(count - 1)`, at most `concurrency` at a time; once a task returns false, no new one starts. */
export async function inParallel(count: number, concurrency: number, task: (index: number) => Promise<boolean | undefined>): Promise<void> {
  let next = 0;
  let stop = false;
  const worker = async () => {
    while (!stop && next < count) if ((await task(next++)) === false) stop = true;
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** How many answers came with each status, for a detail: `503 × 7, no answer × 1`. */
export class Tally {
  private readonly counts = new Map<number, number>();
  add(status: number): void {
    this.counts.set(status, (this.counts.get(status) ?? 0) + 1);
  }
  of(status: number): number {
    return this.counts.get(status) ?? 0;
  }
  /** Every status but those given, or '' when there is none. */
  listed(...except: number[]): string {
    return [...this.counts]
      .filter(([status]) => !except.includes(status))
      .map(([status, n]) => `${status || 'no answer'} × ${n}`)
      .join(', ');
  }
}

export const seconds = (ms: number): number => Math.round(ms / 1000);

/** A drill's result under way: its name and start, then `pass` or `fail` with what was seen. */
export function started(name: string, clock: ProofClock) {
  const startedAt = clock.now();
  const end = (ok: boolean, detail: string): ProofResult => ({ name, ok, detail, ms: clock.now() - startedAt });
  return {
    startedAt,
    elapsed: () => clock.now() - startedAt,
    pass: (detail: string) => end(true, detail),
    fail: (detail: string) => end(false, detail),
  };
}
