/**
 * failover (stage 4 and up with `dataStore=rds`): when Aurora moves the writer to a reader, no
 * acknowledged write is lost, writes are refused cleanly (503) while it moves, and they come back.
 *
 * A writer loop POSTs items one after another and remembers every id answered 201. Once one is, the
 * drill calls FailoverDBCluster, which promotes a reader to writer
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_FailoverDBCluster.html), and reads
 * DescribeDBClusters until its DBClusterMembers name another writer (IsClusterWriter); then it waits
 * for a write begun after that to be acknowledged, and stops writing. Last, it reads every
 * acknowledged id once through the front door: each must be 200. (From stage 5 the CDN keeps items,
 * but no one has read these yet, so each first read reaches the service.)
 */
import { DescribeDBClustersCommand, FailoverDBClusterCommand } from '@aws-sdk/client-rds';
import type { ProofResult, StageUnderTest } from '../types';
import { at, type DrillDeps, type HttpDeps, inParallel, poll, postItem, request, seconds, started, Tally } from './shared';

export const FAILOVER = {
  /** Between two writes; after a 503 the writer waits its Retry-After instead (at most retryAfterCapMs). */
  writeEveryMs: 200,
  retryAfterCapMs: 5000,
  /** For the first write, before anything is failed over. */
  firstWriteWithinMs: 30_000,
  /** For DescribeDBClusters to name another writer, asked every describeEveryMs. */
  switchWithinMs: 180_000,
  describeEveryMs: 3000,
  /** For a write begun after the switch to be acknowledged (the service reconnects at the first refusal from the old writer). */
  resumeWithinMs: 60_000,
  readConcurrency: 4,
} as const;

type FailoverDeps = HttpDeps & Pick<DrillDeps, 'rds'>;

export async function failover(stage: StageUnderTest, deps: FailoverDeps): Promise<ProofResult> {
  const { http, clock, rds, interruption } = deps;
  const result = started('failover', clock);
  const [cluster] = await stage.physicalIds('AWS::RDS::DBCluster');
  if (!cluster) return result.fail('the stage has no Aurora cluster (AWS::RDS::DBCluster) to fail over');
  const writerOf = async () => {
    const { DBClusters } = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: cluster }));
    return DBClusters?.[0]?.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
  };
  const before = await writerOf();
  if (!before) return result.fail(`DescribeDBClusters names no writer in ${cluster}`);

  const writes = new Writer(stage, deps);
  let switched: { writer: string; ms: number; backMs: number };
  try {
    if (!(await writes.acknowledgedSince(-Infinity, FAILOVER.firstWriteWithinMs))) {
      return result.fail(`no write was acknowledged before the failover: ${writes.summary()}`);
    }
    const calledAt = clock.now();
    await rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: cluster }));
    const after = await poll(deps, FAILOVER.switchWithinMs, FAILOVER.describeEveryMs, async () => {
      const writer = await writerOf();
      return writer && writer !== before ? writer : undefined;
    });
    if (after.value === undefined)
      return result.fail(`FailoverDBCluster was called, and ${before} is still the writer: ${after.gaveUp}; ${writes.summary()}`);
    const changedAt = clock.now();
    const move = `writer ${before} → ${after.value} in ${seconds(changedAt - calledAt)} s`;
    if (!(await writes.acknowledgedSince(changedAt, FAILOVER.resumeWithinMs))) {
      return result.fail(`${move}, then no write was acknowledged within ${seconds(FAILOVER.resumeWithinMs)} s; ${writes.summary()}`);
    }
    switched = { writer: after.value, ms: changedAt - calledAt, backMs: clock.now() - changedAt };
  } finally {
    await writes.stop();
  }

  const ids = writes.acknowledged.map((w) => w.id);
  const unreadable: string[] = [];
  await inParallel(ids.length, FAILOVER.readConcurrency, async (i) => {
    if (interruption.interrupted) return false;
    const answer = await request(http, at(stage, `items/${ids[i]}`));
    if (answer.status !== 200) unreadable.push(`${ids[i]} (${answer.status || 'no answer'})`);
    return undefined;
  });
  const read = interruption.interrupted ? 'reading was interrupted' : `${ids.length - unreadable.length} readable`;
  const detail =
    `writer ${before} → ${switched.writer} in ${seconds(switched.ms)} s, writes back ${seconds(switched.backMs)} s later; ` +
    `${ids.length} writes acknowledged, ${read}, ${writes.failed.of(503)} refused (503) during the switch`;
  const otherwise = writes.failed.listed(503);
  const problems = [
    ...(unreadable.length > 0 ? [`not readable: ${unreadable.slice(0, 5).join(', ')}${unreadable.length > 5 ? ' …' : ''}`] : []),
    ...(otherwise ? [`writes that failed otherwise than 503: ${otherwise}`] : []),
  ];
  if (problems.length === 0 && !interruption.interrupted) return result.pass(detail);
  return result.fail([detail, ...problems].join('; '));
}

/** Writes items one after another until stopped (or interrupted): every acknowledged id with when its write began, and the failures. */
class Writer {
  readonly acknowledged: { readonly id: string; readonly startedAt: number }[] = [];
  readonly failed = new Tally();
  private stopped = false;
  private ended = false;
  private waiting?: { since: number; until: number; resolve: (found: boolean) => void };
  private readonly done: Promise<void>;

  constructor(
    private readonly stage: StageUnderTest,
    private readonly deps: HttpDeps,
  ) {
    this.done = this.write();
  }

  /** Whether a write begun at `since` or later is acknowledged within `withinMs`, as the writer sees it happen. */
  acknowledgedSince(since: number, withinMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      this.waiting = { since, until: this.deps.clock.now() + withinMs, resolve };
      this.settle();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  summary(): string {
    const failed = this.failed.listed();
    return `${this.acknowledged.length} writes acknowledged${failed ? `, failed: ${failed}` : ''}`;
  }

  private async write(): Promise<void> {
    const { http, clock, interruption } = this.deps;
    while (!this.stopped && !interruption.interrupted) {
      const startedAt = clock.now();
      const item = await postItem(http, this.stage, 'failover');
      if (item.id) this.acknowledged.push({ id: item.id, startedAt });
      else this.failed.add(item.status);
      this.settle();
      const retryAfterMs = Number(item.headers.get('retry-after')) * 1000 || FAILOVER.writeEveryMs;
      await clock.sleep(item.id ? FAILOVER.writeEveryMs : Math.min(retryAfterMs, FAILOVER.retryAfterCapMs));
    }
    this.ended = true;
    this.settle();
  }

  private settle(): void {
    const w = this.waiting;
    if (!w) return;
    const found = this.acknowledged.some((a) => a.startedAt >= w.since);
    if (found || this.ended || this.deps.clock.now() >= w.until) {
      this.waiting = undefined;
      w.resolve(found);
    }
  }
}
