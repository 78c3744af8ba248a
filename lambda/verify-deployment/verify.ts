/**
 * Proves a stage deployment serves, or fails saying which step failed and what it saw, so that
 * CloudFormation rolls the deployment back instead of leaving a broken stage live.
 *
 * 1. record: what Route 53 holds. The records the stage publishes (A, and AAAA when it publishes
 *    one) are routed as the stage declares and point at the stage's target: its address, or an
 *    alias to its load balancer or distribution in that target's hosted zone. Weighted records of
 *    the public name are found by set identifier (the stack name) among the other stages' records
 *    of that name and have the stage's weight; a CDN stage that does not carry the public name
 *    publishes only its own name, whose records are not weighted (the name is the stage's alone).
 *    Then they have reached every Route 53 server (INSYNC): ListResourceRecordSets also returns
 *    changes that are still PENDING, and CloudFormation does not expose the change id of the record
 *    it wrote, so the stage's own records are re-asserted verbatim (an identical UPSERT, which
 *    changes nothing) to obtain a change whose INSYNC, we assume, means those values are served
 *    everywhere (see the comment at the UPSERT).
 * 2. dns-answer: Route 53's own answer (TestDNSAnswer), asked only where one answer is conclusive.
 *    Route 53 picks one weighted record per query, in proportion to the weights, so a stage whose
 *    share is below 100 % may be missing from any number of answers while being right; sampling
 *    would roll back healthy canaries. So it is asked only when this stage's record is the one that
 *    Route 53 answers with (the only record of the name with a weight above 0, or the only record),
 *    and the answer is comparable: not for a CDN, whose addresses depend on who asks. Otherwise
 *    step 1 is the proof and the log says why no answer was asked for. An alias that evaluates its
 *    load balancer's health is passed over while no target is healthy: the step waits for that.
 * 3. health: the health endpoint answers 200, through the target itself (Elastic IP, load balancer
 *    or distribution DNS name) with the public name as Host header, since the public name may not
 *    resolve to this stage (yet, or at its weight).
 * 4. ready: the readiness endpoint, asked the same way, says `{"status":"ready"}`: the servers
 *    reach everything the stage serves from (the data store's writer and, from stage 4, its readers;
 *    the cache; the session store). It answers 200 also while `degraded` (the writer answers, a
 *    reader, the cache or the session store does not), which a running stage rides out but a fresh
 *    one should not start with (a wrong security group, say): the step waits while the answer is
 *    degraded and fails with it when the budget runs out. A stage that serves its health check but
 *    not all of its data is not deployed.
 *
 * A stage at weight 0 is verified the same way: its record exists, points at it and is in sync, and
 * it serves through its target. Route 53 gives it no answers while another record of the name has a
 * weight above 0 (unless all of those are unhealthy); raising the weight is what sends it traffic.
 */
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  type ResourceRecordSet,
  type Route53Client,
  TestDNSAnswerCommand,
} from '@aws-sdk/client-route-53';
import { aliasName, recordSetsNamed, shareOf, targetOf } from '../shared/records';
import { backoff, type Clock, retrying } from '../shared/retry';

/**
 * What the stage's records point at: an address, or (an alias) a DNS name in the target's hosted
 * zone: a load balancer's (`alias`), or a CloudFront distribution's (`cdn`), whose addresses depend
 * on who asks.
 */
export type Target =
  | { readonly kind: 'ip'; readonly address: string }
  | { readonly kind: 'alias' | 'cdn'; readonly dnsName: string; readonly hostedZoneId: string };

/** The record types a stage publishes its name with. */
export type RecordType = 'A' | 'AAAA';

/**
 * How Route 53 picks among the records of the name: `weighted`, this stage's record (by its set
 * identifier) among the stages' records of the name, by weight; or `simple`, the name's only record
 * of each type (a CDN stage's own name).
 */
export type Routing = { readonly kind: 'weighted'; readonly setIdentifier: string; readonly weight: number } | { readonly kind: 'simple' };

/** The readiness answer that lets a deployment pass: every dependency answers. */
export const READY = 'ready';

export interface VerifyParams {
  readonly hostedZoneId: string;
  /** The name the stage publishes, such as `api.example.com`, or a CDN stage's own, such as `stage6.api.example.com`. */
  readonly recordName: string;
  /** How Route 53 picks the stage's records among the name's: by set identifier and weight (0 to 255), or alone. */
  readonly routing: Routing;
  /** The types of the stage's records: `A`, and `AAAA` for a stage that answers IPv6. */
  readonly recordTypes: readonly RecordType[];
  readonly target: Target;
  /** The health endpoint through the target, such as `https://my-alb-123.us-east-1.elb.amazonaws.com/healthz`. */
  readonly healthUrl: string;
  /** The readiness endpoint through the target, such as `https://my-alb-123.us-east-1.elb.amazonaws.com/readyz`. */
  readonly readyUrl: string;
  /** The Host and TLS server name of the health and readiness requests. @default recordName */
  readonly hostName?: string;
  /** How long all steps together may take. */
  readonly budgetMs: number;
}

export interface Probe {
  /** GETs `url` with `hostName` as Host header and TLS server name. */
  get(url: string, hostName: string): Promise<{ status: number; body: string }>;
  /** The IPv4 addresses a name resolves to. */
  resolve(name: string): Promise<string[]>;
}

export interface Deps {
  readonly route53: Pick<Route53Client, 'send'>;
  readonly probe: Probe;
  readonly clock: Clock;
  readonly log: (line: string) => void;
}

export type Step = 'record' | 'dns-answer' | 'health' | 'ready';

export class VerificationFailed extends Error {
  constructor(
    readonly step: Step,
    detail: string,
  ) {
    super(`Deployment verification failed at step "${step}": ${detail}`);
    this.name = 'VerificationFailed';
  }
}

const percent = (share: number) => `${Number((share * 100).toFixed(1))} %`;
const bare = (name: string) => name.replace(/\.$/, '');

/** How one of the name's records is routed, in words: `weighted (Stage5-CacheAndCdn at 100)` or `not weighted`. */
const routingOf = (record: ResourceRecordSet) =>
  record.SetIdentifier === undefined ? 'not weighted' : `weighted (${record.SetIdentifier} at ${record.Weight ?? 'no weight'})`;

/** The stage's record of `type` among the name's records: by its set identifier, or (simple routing) the one without. */
function ownRecord(sets: readonly ResourceRecordSet[], type: RecordType, routing: Routing): ResourceRecordSet | undefined {
  const setIdentifier = routing.kind === 'weighted' ? routing.setIdentifier : undefined;
  return sets.find((s) => s.Type === type && s.SetIdentifier === setIdentifier);
}

/** Why the stage's record of `type` is missing, with what the zone has of the name instead. */
function missing(sets: readonly ResourceRecordSet[], type: RecordType, params: VerifyParams): string {
  const { recordName: name, routing } = params;
  const seen = sets.map((s) => `${s.Type} ${s.SetIdentifier ?? '(not weighted)'}`).join(', ') || 'no record of that name';
  if (routing.kind === 'weighted') return `no ${type} record ${name} with set identifier ${routing.setIdentifier}; the zone has ${seen}`;
  const weighted = sets.filter((s) => s.Type === type && s.SetIdentifier !== undefined);
  if (weighted.length > 0)
    return `${type} ${name} is ${weighted.map(routingOf).join(', ')}, not the stage's one record of the name, which is not weighted`;
  return `no ${type} record ${name} that is not weighted; the zone has ${seen}`;
}

/** What is wrong with the stage's record of one type, compared with what the stage declares: nothing when it is right. */
function mismatches(record: ResourceRecordSet, params: VerifyParams): string[] {
  const problems: string[] = [];
  const { routing, target } = params;
  if (routing.kind === 'weighted') {
    if (record.Weight === undefined) problems.push('it is not a weighted record');
    else if (record.Weight !== routing.weight) problems.push(`its weight is ${record.Weight}, the stage's is ${routing.weight}`);
  }
  if (target.kind === 'ip') {
    const values = targetOf(record);
    if (record.AliasTarget)
      problems.push(`it is an alias to ${bare(aliasName(record.AliasTarget.DNSName ?? ''))}, not the address ${target.address}`);
    else if (values.length !== 1 || values[0] !== target.address)
      problems.push(`it answers ${values.join(', ') || 'nothing'}, not the stage's address ${target.address}`);
  } else if (!record.AliasTarget) {
    problems.push(`it answers ${targetOf(record).join(', ') || 'nothing'}, not an alias to ${bare(aliasName(target.dnsName))}`);
  } else {
    if (aliasName(record.AliasTarget.DNSName ?? '') !== aliasName(target.dnsName))
      problems.push(`it aliases ${bare(aliasName(record.AliasTarget.DNSName ?? ''))}, not the stage's ${bare(aliasName(target.dnsName))}`);
    if (record.AliasTarget.HostedZoneId !== target.hostedZoneId)
      problems.push(`its alias target is in hosted zone ${record.AliasTarget.HostedZoneId}, not ${target.hostedZoneId}`);
  }
  return problems;
}

/** What a readiness answer says: the status of `{"status": ...}`, or undefined when the body is not one. */
function readinessOf(body: string): string | undefined {
  try {
    const status = (JSON.parse(body) as { status?: unknown } | null)?.status;
    return typeof status === 'string' ? status : undefined;
  } catch {
    return undefined;
  }
}

/** The stage's records in the log and in failures: `api.example.com (Stage1-SingleServer)`, or a plain name. */
export function describeRecords(params: Pick<VerifyParams, 'recordName' | 'routing'>): string {
  return params.routing.kind === 'weighted' ? `${params.recordName} (${params.routing.setIdentifier})` : params.recordName;
}

export async function verifyDeployment(params: VerifyParams, deps: Deps): Promise<void> {
  const deadline = deps.clock.now() + params.budgetMs;
  const { clock, log, route53 } = deps;
  const { recordName: name, routing } = params;
  const stage = describeRecords(params);

  /** Waits with backoff until `attempt` says done, or fails `step` with what it last saw. */
  async function until(step: Step, attempt: () => Promise<{ done: boolean; saw: string }>): Promise<void> {
    let saw = 'nothing yet';
    for (let n = 0; ; n++) {
      try {
        const result = await attempt();
        if (result.done) return;
        saw = result.saw;
      } catch (error) {
        if (error instanceof VerificationFailed) throw error;
        saw = `error ${(error as Error).name}: ${(error as Error).message}`;
      }
      const wait = backoff(n, 2000);
      if (clock.now() + wait > deadline)
        throw new VerificationFailed(step, `time budget of ${params.budgetMs / 1000} s exhausted; last saw ${saw}`);
      await clock.sleep(wait);
    }
  }
  const listed = () => recordSetsNamed(route53, params.hostedZoneId, name, clock);
  const group = (sets: ResourceRecordSet[], type: string) => sets.filter((s) => s.Type === type && s.SetIdentifier !== undefined);
  /** This stage's share of Route 53's answers for the name and `type`, by the records in `sets`: all of them for a name's only record. */
  const shareIn = (sets: ResourceRecordSet[], type: string) => {
    if (routing.kind === 'simple') return 1;
    const peers = group(sets, type);
    const record = peers.find((p) => p.SetIdentifier === routing.setIdentifier);
    return record ? shareOf(record, peers) : 0;
  };

  // 1. record
  const sets = await listed();
  const own: ResourceRecordSet[] = [];
  const problems: string[] = [];
  for (const type of params.recordTypes) {
    const record = ownRecord(sets, type, routing);
    if (!record) problems.push(missing(sets, type, params));
    else {
      problems.push(...mismatches(record, params).map((p) => `${type} ${stage}: ${p}`));
      own.push(record);
    }
  }
  if (problems.length > 0) throw new VerificationFailed('record', problems.join('; '));

  // An assumption, not documented behaviour: that Route 53 gives this identical UPSERT a change of
  // its own, which reaches its servers no sooner than the one CloudFormation made before it, so that
  // its INSYNC means the stage's values are served everywhere. GetChange documents only that
  // "INSYNC indicates that the changes have propagated": those of the change asked about. Were a
  // change that alters nothing reported INSYNC at once, this step would pass while CloudFormation's
  // change is still PENDING: what Route 53 holds is still checked above, health and readiness do not
  // go through DNS, and the dns-answer step, where asked, waits for the answer itself; only the proof
  // that every Route 53 server already answers with the stage's values would be lost.
  const change = await retrying(
    () =>
      route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: params.hostedZoneId,
          ChangeBatch: {
            Comment: `zero-to-millions verification of ${routing.kind === 'weighted' ? routing.setIdentifier : name}: re-asserts its records unchanged, to learn when they are in sync`,
            Changes: own.map((record) => ({ Action: 'UPSERT', ResourceRecordSet: record })),
          },
        }),
      ),
    clock,
  );
  const changeId = change.ChangeInfo?.Id ?? '';
  await until('record', async () => {
    const status = (await retrying(() => route53.send(new GetChangeCommand({ Id: changeId })), clock)).ChangeInfo?.Status;
    return { done: status === 'INSYNC', saw: `change ${changeId} ${status}` };
  });
  const target = params.target.kind === 'ip' ? params.target.address : bare(aliasName(params.target.dnsName));
  for (const record of own) {
    if (routing.kind === 'simple') {
      log(
        `record: ${record.Type} ${stage} (not weighted) points at ${target}: the name's only ${record.Type} record; in sync on every Route 53 server`,
      );
      continue;
    }
    const others = group(sets, record.Type ?? '')
      .filter((p) => p !== record)
      .map((p) => `${p.SetIdentifier} at ${p.Weight}`);
    log(
      `record: ${record.Type} ${stage} points at ${target} with weight ${record.Weight}${others.length > 0 ? ` beside ${others.join(', ')}` : ''}: ${percent(shareIn(sets, record.Type ?? ''))} of answers; in sync on every Route 53 server`,
    );
  }

  // 2. dns-answer
  const dnsTarget = params.target;
  if (dnsTarget.kind === 'cdn') {
    log(
      `dns-answer: not asked; a distribution's addresses depend on who asks, so no answer is comparable (the record step proved where ${name} points)`,
    );
  } else {
    const share = shareIn(sets, 'A');
    if (share < 1) {
      log(
        `dns-answer: not asked; Route 53 answers ${name} with this stage's record ${percent(share)} of the time, so no number of answers proves or disproves it (the record step proved what Route 53 holds)`,
      );
    } else {
      // For an alias, Route 53 answers with the load balancer's addresses: whatever its name resolves to now.
      let acceptable: string[] = dnsTarget.kind === 'ip' ? [dnsTarget.address] : [];
      // A record that evaluates its target's health is passed over while that is unhealthy: Route 53
      // then answers with the name's other records, those at weight 0 included.
      const ownA = own.find((r) => r.Type === 'A');
      const unlessUnhealthy = ownA?.AliasTarget?.EvaluateTargetHealth
        ? ", unless Route 53 takes it for unhealthy: it evaluates its load balancer's health, and while that has no healthy target (yet) Route 53 answers with the name's other records, those at weight 0 included"
        : '';
      let answered: string[] = [];
      let outnumbered = false;
      await until('dns-answer', async () => {
        if (dnsTarget.kind === 'alias') acceptable = await deps.probe.resolve(aliasName(dnsTarget.dnsName));
        const answer = await retrying(
          () => route53.send(new TestDNSAnswerCommand({ HostedZoneId: params.hostedZoneId, RecordName: name, RecordType: 'A' })),
          clock,
        );
        answered = answer.RecordData ?? [];
        if (answered.some((d) => acceptable.includes(d))) return { done: true, saw: '' };
        // Another stage may have raised its weight since: then this answer proves nothing either way.
        outnumbered = shareIn(await listed(), 'A') < 1;
        if (outnumbered) return { done: true, saw: '' };
        return {
          done: false,
          saw: `Route 53 answering ${name} with ${answered.join(', ') || 'nothing'} (${answer.ResponseCode}), not this stage's ${acceptable.join(', ') || target}, although its record is the one Route 53 answers with (the only one of the name with a weight above 0, or the only one)${unlessUnhealthy}`,
        };
      });
      log(
        outnumbered
          ? `dns-answer: not concluded; another record of ${name} got a weight above 0 meanwhile (the record step proved what Route 53 holds)`
          : `dns-answer: Route 53 answers ${name} with ${answered.join(', ')}, this stage's`,
      );
    }
  }

  // 3. health
  const host = params.hostName ?? name;
  await until('health', async () => {
    const { status, body } = await deps.probe.get(params.healthUrl, host);
    return { done: status === 200, saw: `HTTP ${status} ${body.slice(0, 200)}` };
  });
  log(`health: ${params.healthUrl} (Host: ${host}) answers 200`);

  // 4. ready: 200 is not enough, as /readyz answers 200 while degraded too.
  await until('ready', async () => {
    const { status, body } = await deps.probe.get(params.readyUrl, host);
    const readiness = readinessOf(body);
    const saw = `HTTP ${status} ${body.slice(0, 200)}`;
    if (status === 200 && readiness === READY) return { done: true, saw };
    if (status === 200 && readiness === 'degraded')
      return {
        done: false,
        saw: `${saw}: the writer answers, but a reader, the cache or the session store does not (a server's own /readyz names which)`,
      };
    if (status === 200) return { done: false, saw: `${saw}: not a readiness answer, which says {"status":"${READY}"}` };
    return { done: false, saw };
  });
  log(`ready: ${params.readyUrl} (Host: ${host}) says ${READY}: the servers reach their data, cache and session store`);
}
