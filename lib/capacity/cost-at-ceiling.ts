/**
 * What a stage costs in a month whose peak reaches its ceiling: the same price table and the same
 * pricing as compare's estimate (../compare/cost.ts), with every scalable tier at its maximum all
 * month (an upper bound: off-peak scaling in lowers it) and the usage of that traffic, at the day's
 * average rate (the ceiling ÷ peakToAverage): requests and bytes at the edge, load balancer capacity
 * units, table requests, the answers' transfer out to the internet where no CDN carries them, the request
 * log where a log group receives it, and the CPU burstable servers use above their baseline.
 */
import { type CostLine, costOf, type Usage } from '../compare/cost';
import PRICE_TABLE from '../compare/prices.json';
import { type CfnTemplate, clusterInstances, launchTemplateOf, ofType, referencedIds } from '../template';
import { CAPACITY_INPUTS, type CapacityInputs } from './inputs';
import { baselineOf, type StageCapacity, trafficOf, vcpusOf } from './model';

export interface CeilingCost {
  /** USD a month. */
  readonly monthly: number;
  readonly lines: CostLine[];
  /** The traffic priced: the day's average rate, and the usage it makes in a month. */
  readonly averageRequestsPerSecond: number;
  readonly usage: Pick<
    Usage,
    | 'dynamodbReadMillionsPerMonth'
    | 'dynamodbWriteMillionsPerMonth'
    | 'cdnRequestMillionsPerMonth'
    | 'cdnGbOutPerMonth'
    | 'albLcuPerHour'
    | 'requestLogGbPerMonth'
  > & {
    /** GB a month the answers carry to the viewers (priced as transfer out to the internet only without a CDN). */
    readonly internetGbOut: number;
  };
}

const HOURS = PRICE_TABLE.hoursPerMonth;

/**
 * The template at the ceiling: web servers and Fargate tasks at their maximum (an upper bound), and
 * each Aurora Serverless v2 cluster at the capacity the ceiling's traffic keeps busy: its maximum
 * times the share of its busiest instance's ceiling the stage reaches (a cluster far from being the
 * bottleneck scales down), in its 0.5 ACU steps, never below its minimum. Without `capacity`, every
 * cluster at its maximum.
 */
export function atMaximum(t: CfnTemplate, capacity?: StageCapacity): CfnTemplate {
  const resources = { ...t.Resources };
  const set = (id: string, properties: Record<string, unknown>) => {
    resources[id] = { ...resources[id], Properties: { ...resources[id].Properties, ...properties } };
  };
  for (const [id, r] of ofType(t, 'AWS::AutoScaling::AutoScalingGroup')) set(id, { MinSize: r.Properties.MaxSize });
  for (const [, target] of ofType(t, 'AWS::ApplicationAutoScaling::ScalableTarget')) {
    const service = [...referencedIds(target.Properties.ResourceId)].find((id) => t.Resources[id]?.Type === 'AWS::ECS::Service');
    if (service) set(service, { DesiredCount: target.Properties.MaxCapacity });
  }
  for (const [id, r] of ofType(t, 'AWS::RDS::DBCluster')) {
    const scaling = r.Properties.ServerlessV2ScalingConfiguration;
    if (!scaling) continue;
    const { writer, readers } = clusterInstances(t, id);
    const members = new Set([writer, ...readers].filter(Boolean));
    const busiest = capacity
      ? Math.max(0, ...capacity.components.filter((c) => members.has(c.resource)).map((c) => capacity.ceiling.mixed / c.ceiling.mixed))
      : 1;
    const needed = Math.ceil(2 * scaling.MaxCapacity * Math.min(1, busiest)) / 2;
    set(id, { ServerlessV2ScalingConfiguration: { ...scaling, MinCapacity: Math.max(scaling.MinCapacity, needed) } });
  }
  return { ...t, Resources: resources };
}

/** The price of `gb` out to the internet in a month, tier by tier. */
export function internetEgressPrice(gb: number): { monthly: number; basis: string } {
  let monthly = 0;
  let from = 0;
  const parts: string[] = [];
  for (const tier of PRICE_TABLE.prices.internetPerGbOutTiers.value) {
    const upTo = tier.upToGb ?? Number.POSITIVE_INFINITY;
    const inTier = Math.max(0, Math.min(gb, upTo) - from);
    if (inTier > 0) {
      monthly += inTier * tier.perGb;
      parts.push(`${Math.round(inTier).toLocaleString('en-US')} GB × $${tier.perGb}`);
    }
    from = upTo;
  }
  return { monthly, basis: parts.join(' + ') || 'nothing' };
}

/** Data transfer out to the internet from the stage's front door (the load balancer, or the server's address). */
function internetEgress(t: CfnTemplate, gb: number): CostLine[] {
  if (gb <= 0) return [];
  const door = ofType(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[0] ?? ofType(t, 'AWS::EC2::EIP')[0];
  if (!door) return [];
  const { monthly, basis } = internetEgressPrice(gb);
  return [{ resource: door[0], type: 'data transfer out to the internet', monthly, basis: `the answers, ${basis}` }];
}

/** A burstable instance behind a component: its size, how many, its credit mode and the surplus price. */
function burstable(
  t: CfnTemplate,
  id: string,
  inputs: CapacityInputs,
): { type: string; count: number; credits?: string; price: number } | undefined {
  const r = t.Resources[id];
  const ec2 = inputs.limits.burstableSurplusPerVcpuHour.value;
  const ec2Price = (type: string) => ec2[type.split('.')[0]] ?? ec2.default;
  switch (r.Type) {
    case 'AWS::EC2::Instance':
      return {
        type: r.Properties.InstanceType,
        count: 1,
        credits: r.Properties.CreditSpecification?.CPUCredits,
        price: ec2Price(r.Properties.InstanceType),
      };
    case 'AWS::AutoScaling::AutoScalingGroup': {
      const template = launchTemplateOf(t, id);
      const type = template.instanceTypes[0];
      return { type, count: Number(r.Properties.MaxSize), credits: template.data.CreditSpecification?.CpuCredits, price: ec2Price(type) };
    }
    case 'AWS::RDS::DBInstance':
      // RDS runs its burstable classes in unlimited mode, always.
      return { type: r.Properties.DBInstanceClass, count: 1, price: inputs.limits.rdsBurstableSurplusPerVcpuHour.value };
    default:
      return undefined;
  }
}

/** Burstable servers' and databases' surplus CPU at the average rate: what unlimited mode charges above the baseline. */
function surplusCredits(t: CfnTemplate, capacity: StageCapacity, average: number, inputs: CapacityInputs): CostLine[] {
  return capacity.components.flatMap((c): CostLine[] => {
    if (c.unit !== 'vCPU µs') return [];
    const instance = burstable(t, c.resource, inputs);
    // Standard mode never runs above the baseline, so it pays no surplus (the model caps its vCPUs there instead).
    if (!instance || instance.credits === 'standard') return [];
    const { type, count, price } = instance;
    const baseline = baselineOf(type, inputs);
    const vcpus = vcpusOf(type, inputs);
    if (!baseline || !vcpus) return [];
    const used =
      (average * (capacity.readShare * c.perRead + (1 - capacity.readShare) * c.perWrite)) / 1e6 / inputs.assumptions.vcpuToMeasuredCore;
    const surplus = Math.max(0, used - count * vcpus * baseline);
    return [
      {
        resource: c.resource,
        type: 'CPU credits (unlimited mode)',
        monthly: surplus * HOURS * price,
        basis: `${used.toFixed(2)} vCPUs used on average across ${count} × ${type} against a baseline of ${(count * vcpus * baseline).toFixed(2)}: ${surplus.toFixed(2)} vCPU × ${HOURS} h × $${price} of surplus credits`,
      },
    ];
  });
}

export function costAtCeiling(t: CfnTemplate, capacity: StageCapacity, inputs: CapacityInputs = CAPACITY_INPUTS): CeilingCost {
  const a = PRICE_TABLE.assumptions;
  const { readShare } = capacity;
  const average = capacity.ceiling.mixed / inputs.assumptions.peakToAverage;
  const { edgeHitRatio } = trafficOf(t);
  const seconds = HOURS * 3600;
  const reads = (average * readShare * seconds) / 1e6;
  const writes = (average * (1 - readShare) * seconds) / 1e6;
  const bytes = inputs.measured.responseBytes;
  // What reaches the origin: the writes, and the reads the edge does not answer.
  const originPerSecond = average * (readShare * (1 - edgeHitRatio) + (1 - readShare));
  const cdn = ofType(t, 'AWS::CloudFront::Distribution').length > 0;
  const lcu = inputs.limits.albLcu.value;
  const averageBytes = readShare * bytes.read + (1 - readShare) * bytes.write;
  // A load balancer's LCUs are the largest of its dimensions; these two grow with the requests.
  const processedGbPerHour = (originPerSecond * averageBytes * 3600) / 1e9;
  const newConnections = originPerSecond / inputs.assumptions.requestsPerConnection;
  const usage = {
    dynamodbReadMillionsPerMonth: reads,
    dynamodbWriteMillionsPerMonth: writes,
    cdnRequestMillionsPerMonth: cdn ? reads + writes : a.cdnRequestMillionsPerMonth,
    cdnGbOutPerMonth: cdn ? ((reads * bytes.read + writes * bytes.write) * 1e6) / 1e9 : a.cdnGbOutPerMonth,
    albLcuPerHour: Math.max(processedGbPerHour / lcu.processedGbPerHour, newConnections / lcu.newConnectionsPerSecond, 1),
    // Only where a log group receives it: a host's log stays in its journal.
    requestLogGbPerMonth: (originPerSecond * seconds * inputs.measured.logBytesPerRequest) / 1e9,
    // The answers leave the region to the viewers: priced here only without a CDN (the edge's own transfer is in its line; origin fetches are free).
    internetGbOut: ((reads * bytes.read + writes * bytes.write) * 1e6) / 1e9,
  };
  const priced = costOf(atMaximum(t, capacity), { ...a, ...usage, atCeiling: true });
  const lines = [...priced.lines, ...surplusCredits(t, capacity, average, inputs), ...internetEgress(t, cdn ? 0 : usage.internetGbOut)];
  return { monthly: lines.reduce((sum, l) => sum + (l.monthly ?? 0), 0), lines, averageRequestsPerSecond: average, usage };
}
