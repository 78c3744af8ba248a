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
import { type CfnTemplate, launchTemplateOf, ofType, referencedIds } from '../template';
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

/** The template with every scalable tier at its maximum: web servers, Fargate tasks, Serverless v2 capacity. */
export function atMaximum(t: CfnTemplate): CfnTemplate {
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
    if (scaling) set(id, { ServerlessV2ScalingConfiguration: { ...scaling, MinCapacity: scaling.MaxCapacity } });
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

/** A burstable web tier's surplus CPU at the average rate: what unlimited mode charges above the baseline. */
function surplusCredits(t: CfnTemplate, capacity: StageCapacity, average: number, inputs: CapacityInputs): CostLine[] {
  return capacity.components.flatMap((c): CostLine[] => {
    if (c.unit !== 'vCPU µs') return [];
    const r = t.Resources[c.resource];
    const type =
      r.Type === 'AWS::EC2::Instance'
        ? r.Properties.InstanceType
        : r.Type === 'AWS::AutoScaling::AutoScalingGroup'
          ? launchTemplateOf(t, c.resource).instanceTypes[0]
          : undefined;
    // Standard mode never runs above the baseline, so it pays no surplus (the model caps its vCPUs there instead).
    const credits =
      r.Type === 'AWS::EC2::Instance'
        ? r.Properties.CreditSpecification?.CPUCredits
        : launchTemplateOf(t, c.resource).data.CreditSpecification?.CpuCredits;
    if (credits === 'standard') return [];
    const baseline = type && baselineOf(type, inputs);
    const vcpus = type && vcpusOf(type, inputs);
    if (!baseline || !vcpus) return [];
    const servers = r.Type === 'AWS::AutoScaling::AutoScalingGroup' ? Number(r.Properties.MaxSize) : 1;
    const used =
      (average * (capacity.readShare * c.perRead + (1 - capacity.readShare) * c.perWrite)) / 1e6 / inputs.assumptions.vcpuToMeasuredCore;
    const surplus = Math.max(0, used - servers * vcpus * baseline);
    const family = type.split('.')[0];
    const price = inputs.limits.burstableSurplusPerVcpuHour.value[family] ?? inputs.limits.burstableSurplusPerVcpuHour.value.default;
    return [
      {
        resource: c.resource,
        type: 'CPU credits (unlimited mode)',
        monthly: surplus * HOURS * price,
        basis: `${used.toFixed(2)} vCPUs used on average across ${servers} × ${type} against a baseline of ${(servers * vcpus * baseline).toFixed(2)}: ${surplus.toFixed(2)} vCPU × ${HOURS} h × $${price} of surplus credits`,
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
  const priced = costOf(atMaximum(t), { ...a, ...usage });
  const lines = [...priced.lines, ...surplusCredits(t, capacity, average, inputs), ...internetEgress(t, cdn ? 0 : usage.internetGbOut)];
  return { monthly: lines.reduce((sum, l) => sum + (l.monthly ?? 0), 0), lines, averageRequestsPerSecond: average, usage };
}
