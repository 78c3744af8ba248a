/**
 * Proves a stage deployment serves, or fails saying which step failed and what it saw, so that
 * CloudFormation rolls the deployment back instead of leaving a broken stage live.
 *
 * 1. record: the stage's weighted record exists with its target, and has reached every Route 53
 *    server (INSYNC). CloudFormation does not expose the change id of the record it wrote, so the
 *    stage's own record is re-asserted verbatim (an identical UPSERT, a no-op) to obtain one.
 * 2. dns-answer: Route 53 answers the name with the stage's target (TestDNSAnswer), unless the
 *    stage's weight is 0, when Route 53 is not meant to answer with it. A CDN answers with the
 *    addresses of the edge nearest whoever asks, which differ between Route 53's test resolver and
 *    this function, so for a CDN any answer passes; step 1 has proven where the record points.
 * 3. health: the health endpoint answers 200, through the target itself (Elastic IP or load balancer
 *    DNS name) with the public name as Host header, since the public name may not resolve yet.
 * 4. ready: the readiness endpoint answers 200 the same way: the servers reach the stage's data
 *    (from stage 4, its writer and its readers) and cache. A stage that serves its health check but
 *    not its data is not deployed.
 */
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  type ResourceRecordSet,
  type Route53Client,
  TestDNSAnswerCommand,
} from '@aws-sdk/client-route-53';
import { normaliseName, recordSetsNamed, targetOf } from '../shared/records';
import { backoff, type Clock, retrying } from '../shared/retry';

export type Target = { readonly kind: 'ip'; readonly address: string } | { readonly kind: 'alias' | 'cdn'; readonly dnsName: string };

export interface VerifyParams {
  readonly hostedZoneId: string;
  /** The public name, such as `api.example.com`. */
  readonly recordName: string;
  readonly setIdentifier: string;
  readonly weight: number;
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

/** How many times the weighted answer is sampled before concluding Route 53 never answers with this stage. */
export const DNS_ANSWER_SAMPLES = 8;

export async function verifyDeployment(params: VerifyParams, deps: Deps): Promise<void> {
  const deadline = deps.clock.now() + params.budgetMs;
  const { clock, log } = deps;
  const expected = params.target.kind === 'ip' ? params.target.address : normaliseName(params.target.dnsName).replace(/^dualstack\./, '');

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

  // 1. record
  const sets = await recordSetsNamed(deps.route53, params.hostedZoneId, params.recordName, clock);
  const record: ResourceRecordSet | undefined = sets.find((s) => s.Type === 'A' && s.SetIdentifier === params.setIdentifier);
  if (!record) {
    const seen = sets.map((s) => `${s.Type} ${s.SetIdentifier ?? '(not weighted)'}`).join(', ') || 'no record of that name';
    throw new VerificationFailed(
      'record',
      `no A record ${params.recordName} with set identifier ${params.setIdentifier}; the zone has ${seen}`,
    );
  }
  if (!targetOf(record).includes(expected)) {
    throw new VerificationFailed(
      'record',
      `${params.recordName} (${params.setIdentifier}) points at ${targetOf(record).join(', ')}, expected ${expected}`,
    );
  }
  const change = await retrying(
    () =>
      deps.route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: params.hostedZoneId,
          ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: record }] },
        }),
      ),
    clock,
  );
  const changeId = change.ChangeInfo?.Id ?? '';
  await until('record', async () => {
    const status = (await retrying(() => deps.route53.send(new GetChangeCommand({ Id: changeId })), clock)).ChangeInfo?.Status;
    return { done: status === 'INSYNC', saw: `change ${changeId} ${status}` };
  });
  log(
    `record: ${params.recordName} (${params.setIdentifier}) points at ${expected.replace(/\.$/, '')} and is in sync on every Route 53 server`,
  );

  // 2. dns-answer
  if (params.weight === 0) {
    log('dns-answer: skipped; the stage has weight 0, so Route 53 does not answer with it (yet)');
  } else {
    // For an alias, Route 53 answers with the load balancer's addresses: whatever its name resolves to now.
    let acceptable = params.target.kind === 'ip' ? [params.target.address] : [];
    const anyAnswer = params.target.kind === 'cdn';
    if (params.target.kind === 'alias') {
      await until('dns-answer', async () => {
        acceptable = await deps.probe.resolve(expected);
        return { done: acceptable.length > 0, saw: `${expected} resolving to nothing` };
      });
    }
    const answers = new Set<string>();
    for (let n = 0; n < DNS_ANSWER_SAMPLES; n++) {
      const answer = await retrying(
        () =>
          deps.route53.send(
            new TestDNSAnswerCommand({ HostedZoneId: params.hostedZoneId, RecordName: params.recordName, RecordType: 'A' }),
          ),
        clock,
      );
      const data = answer.RecordData ?? [];
      if (anyAnswer ? data.length > 0 : data.some((d) => acceptable.includes(d))) {
        log(`dns-answer: Route 53 answers ${params.recordName} with ${data.join(', ')}`);
        break;
      }
      for (const d of data) answers.add(d);
      if (n + 1 === DNS_ANSWER_SAMPLES) {
        throw new VerificationFailed(
          'dns-answer',
          `in ${DNS_ANSWER_SAMPLES} tries Route 53 answered ${params.recordName} with ${[...answers].join(', ') || 'nothing'}, never with this stage's ${acceptable.join(', ') || expected}`,
        );
      }
    }
  }

  // 3. health
  const host = params.hostName ?? params.recordName;
  await until('health', async () => {
    const { status, body } = await deps.probe.get(params.healthUrl, host);
    return { done: status === 200, saw: `HTTP ${status} ${body.slice(0, 200)}` };
  });
  log(`health: ${params.healthUrl} (Host: ${host}) answers 200`);

  // 4. ready
  await until('ready', async () => {
    const { status, body } = await deps.probe.get(params.readyUrl, host);
    return { done: status === 200, saw: `HTTP ${status} ${body.slice(0, 200)}` };
  });
  log(`ready: ${params.readyUrl} (Host: ${host}) answers 200: the servers reach their data`);
}
