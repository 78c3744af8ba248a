/**
 * The comparison of stages an architect reads: each stage's facts and cost, and what changes from
 * one stage to the next, condensed from the difference of their templates resource by resource.
 */
import { isDeepStrictEqual } from 'node:util';
import { type CeilingCost, costAtCeiling } from '../capacity/cost-at-ceiling';
import { capacityOfStage, type StageCapacity } from '../capacity/model';
import { type CfnResource, type CfnTemplate, isNatInstance, withoutToolkitMetadata } from '../template';
import { analyseStage, type StageFacts } from './analyse';
import { costOf, type NatEgress, natEgressOf, type StageCost } from './cost';

export interface StageReport extends StageFacts {
  readonly cost: StageCost;
  /** The NAT of the private subnets beside the other kind; undefined without private subnets. */
  readonly nat: NatEgress | undefined;
  /** How far it carries: its ceiling, what saturates first, the users it serves, and the month at that ceiling. */
  readonly capacity: StageCapacity & { readonly costAtCeiling: CeilingCost };
}

export interface StepReport {
  readonly from: string;
  readonly to: string;
  /** Resource types added, removed and changed, with counts. */
  readonly added: Record<string, number>;
  readonly removed: Record<string, number>;
  readonly changed: Record<string, number>;
  readonly webServers: { readonly from: string; readonly to: string };
  readonly spofsRemoved: string[];
  readonly spofsAdded: string[];
  readonly monthlyCost: { readonly from: number; readonly to: number };
  /** The ceiling at the stated mix, in requests a second. */
  readonly ceiling: { readonly from: number; readonly to: number };
  /** One line: what the step does, as an architect would say it. */
  readonly summary: string;
}

export function reportStage(stack: string, template: CfnTemplate): StageReport {
  const t = withoutToolkitMetadata(template);
  const cost = costOf(t);
  const capacity = capacityOfStage(t);
  return {
    ...analyseStage(stack, t),
    cost,
    nat: natEgressOf(t, cost.lines),
    capacity: { ...capacity, costAtCeiling: costAtCeiling(t, capacity) },
  };
}

/** A NAT instance counts as a NAT, not as a server: {@link kindOf} gives it a kind of its own. */
const NAT_INSTANCE = 'NAT instance';
const kindOf = (r: CfnResource) => (isNatInstance(r) ? NAT_INSTANCE : r.Type);

const FRIENDLY: Record<string, string> = {
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'ALB',
  'AWS::AutoScaling::AutoScalingGroup': 'Auto Scaling group',
  'AWS::ECS::Service': 'Fargate service',
  'AWS::EC2::Instance': 'EC2 instance',
  'AWS::RDS::DBInstance': 'RDS instance',
  'AWS::RDS::DBCluster': 'Aurora cluster',
  'AWS::DynamoDB::Table': 'DynamoDB table',
  'AWS::EC2::NatGateway': 'NAT gateway',
  [NAT_INSTANCE]: NAT_INSTANCE,
  'AWS::CertificateManager::Certificate': 'certificate',
  'AWS::EC2::EIP': 'Elastic IP',
  'AWS::CloudFront::Distribution': 'CloudFront distribution',
  'AWS::WAFv2::WebACL': 'web ACL',
  'AWS::ElastiCache::ServerlessCache': 'managed cache',
};

/** Where sessions live, as the comparison says it. */
export const SESSIONS: Record<string, string> = {
  memory: "in each server's memory",
  cache: 'in the managed cache',
  dynamodb: 'in a DynamoDB table',
};

function tally(types: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of types) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}
/** A rate as compare shows it: whole requests a second, grouped by thousands. */
export const requestsPerSecond = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'unbounded');
const spofKind = (what: string) => what.replace(/\d+/g, 'N');

export function compareStages(from: StageReport, fromTemplate: CfnTemplate, to: StageReport, toTemplate: CfnTemplate): StepReport {
  // By logical id, as CloudFormation matches resources when one template replaces the other.
  const [before, after] = [withoutToolkitMetadata(fromTemplate).Resources, withoutToolkitMetadata(toTemplate).Resources];
  const added = Object.keys(after)
    .filter((id) => !(id in before))
    .map((id) => after[id].Type);
  const removed = Object.keys(before)
    .filter((id) => !(id in after))
    .map((id) => before[id].Type);
  const changed = Object.keys(after)
    .filter((id) => id in before && !isDeepStrictEqual(before[id], after[id]))
    .map((id) => after[id].Type);

  const fromKinds = new Map(from.singlePointsOfFailure.map((s) => [spofKind(s.what), s]));
  const toKinds = new Map(to.singlePointsOfFailure.map((s) => [spofKind(s.what), s]));
  const spofsRemoved = [...fromKinds.entries()].filter(([k]) => !toKinds.has(k)).map(([, s]) => `${s.what} (${s.resource})`);
  const spofsAdded = [...toKinds.entries()].filter(([k]) => !fromKinds.has(k)).map(([, s]) => `${s.what} (${s.resource})`);

  // Notable resources by count: a resource replaced by its equivalent (a new logical id) is no news.
  const count = (t: CfnTemplate, kind: string) => Object.values(t.Resources).filter((r) => kindOf(r) === kind).length;
  const notable = Object.entries(FRIENDLY).flatMap(([type, name]) => {
    const [before, after] = [count(fromTemplate, type), count(toTemplate, type)];
    if (before === after) return [];
    if (before === 0) return [`${name} added${after > 1 ? ` (${after})` : ''}`];
    if (after === 0) return [`${name} removed`];
    return [`${name} ${before} → ${after}`];
  });
  const delta = to.cost.total - from.cost.total;
  const [ceilingFrom, ceilingTo] = [from.capacity.ceiling.mixed, to.capacity.ceiling.mixed];
  const bottleneckMoved = from.capacity.bottleneck.mixed !== to.capacity.bottleneck.mixed;
  const parts = [
    ...notable,
    ...(from.webServers === to.webServers ? [] : [`web tier ${from.webServers} → ${to.webServers} servers`]),
    ...(from.sessions === to.sessions
      ? []
      : [`sessions ${SESSIONS[from.sessions] ?? from.sessions} → ${SESSIONS[to.sessions] ?? to.sessions}`]),
    ...(!from.spot && to.spot ? ['web tier on Spot above its on-demand base'] : []),
    ...(from.spot && !to.spot ? ['web tier all on demand'] : []),
    ...spofsRemoved.map((s) => `SPOF '${s.replace(/ \(.*\)$/, '')}' removed`),
    ...spofsAdded.map((s) => `SPOF '${s.replace(/ \(.*\)$/, '')}' added`),
    `${delta >= 0 ? '+' : '−'}$${Math.abs(delta).toFixed(0)}/month`,
    `ceiling ${requestsPerSecond(ceilingFrom)} → ${requestsPerSecond(ceilingTo)} req/s${bottleneckMoved ? `, saturating first: ${to.capacity.bottleneck.mixed}` : ''}`,
  ];
  return {
    from: from.stack,
    to: to.stack,
    added: tally(added),
    removed: tally(removed),
    changed: tally(changed),
    webServers: { from: from.webServers, to: to.webServers },
    spofsRemoved,
    spofsAdded,
    monthlyCost: { from: from.cost.total, to: to.cost.total },
    ceiling: { from: ceilingFrom, to: ceilingTo },
    summary: parts.join('; '),
  };
}
