/**
 * Estimated monthly cost of a stage, line by line per resource, from the price table in
 * prices.json (region, date, source and usage assumptions stated there). A resource type the table
 * does not know is listed as unpriced, never as zero.
 */

import { CAPACITY_INPUTS } from '../capacity/inputs';
import type { NatProviderKind } from '../config/schema';
import {
  type CfnTemplate,
  CONFIGURATION_METADATA,
  isNatInstance,
  launchTemplateOf,
  natInstances,
  ofType,
  privateZones,
  rebootAlarmOf,
  refId,
} from '../template';
import PRICE_TABLE from './prices.json';

export interface CostLine {
  readonly resource: string;
  readonly type: string;
  /** USD per month, or null when the table has no price for it. */
  readonly monthly: number | null;
  /** How the figure was reached, or why there is none. */
  readonly basis: string;
}

export interface StageCost {
  readonly lines: CostLine[];
  /** The sum of the priced lines. */
  readonly total: number;
  readonly unpriced: CostLine[];
}

const P = PRICE_TABLE.prices;
/** Read request units an item read takes: the service reads eventually consistently. */
const READ_UNITS_PER_READ = CAPACITY_INPUTS.limits.dynamodbRequestUnits.value.eventuallyConsistentRead;
const A = PRICE_TABLE.assumptions;
/** The usage a cost assumes: the price table's, or (compare's cost at the ceiling) the traffic of a given rate. */
export type Usage = typeof PRICE_TABLE.assumptions & {
  /** GB a month of the web app's request log, where a log group receives it (a container's awslogs group); others keep logsGbIngestedPerMonth. */
  readonly requestLogGbPerMonth?: number;
  /** Set by the cost at the ceiling: the usage is that traffic's, and scalable tiers are at their maximum. */
  readonly atCeiling?: boolean;
};

/** Where a usage figure comes from, as a cost line says it. */
const source = (a: Usage) => (a.atCeiling ? "(at the ceiling's average rate)" : '(assumed)');
/** A usage figure, to four significant digits. */
const amount = (n: number) => Number(n.toPrecision(4)).toLocaleString('en-US');
/** How many of a scalable tier are priced. */
const scaledTo = (a: Usage) => (a.atCeiling ? 'at the maximum' : 'at minimum capacity');

/** Whether a log group receives the web app's log: a container of a task definition sends it there. */
function receivesRequestLog(t: CfnTemplate, logGroupId: string): boolean {
  return ofType(t, 'AWS::ECS::TaskDefinition').some(([, task]) =>
    (task.Properties.ContainerDefinitions ?? []).some((c: any) => refId(c.LogConfiguration?.Options?.['awslogs-group']) === logGroupId),
  );
}
const HOURS = PRICE_TABLE.hoursPerMonth;
const FREE = new Set(PRICE_TABLE.free.types);
/** A rate as priced, to the fraction of a cent it has (`$0.0208`). */
const money = (n: number) => `$${Number(n.toPrecision(4)).toString()}`;
/** A monthly amount, to the cent. */
const cents = (n: number) => `$${n.toFixed(2)}`;

/** The hourly price of an EC2 instance type, from its family's .large price. */
export function ec2Hourly(instanceType: string): number | undefined {
  const [family, size] = instanceType.split('.');
  const large = (P.ec2PerHourForLarge as Record<string, unknown>)[family];
  if (typeof large !== 'number') return undefined;
  const fixed: Record<string, number> = { nano: 1 / 16, micro: 1 / 8, small: 1 / 4, medium: 1 / 2, large: 1, xlarge: 2 };
  const n = /^(\d+)xlarge$/.exec(size ?? '');
  const factor = fixed[size] ?? (n ? 2 * Number(n[1]) : undefined);
  return factor === undefined ? undefined : large * factor;
}

/** One web host: the instance, its root volume and its detailed-monitoring metrics. */
function hostMonthly(instanceType: string, volumeGiB: number): { monthly: number; basis: string } | undefined {
  const hourly = ec2Hourly(instanceType);
  if (hourly === undefined) return undefined;
  const monthly = hourly * HOURS + volumeGiB * P.ebsGp3PerGbMonth.value + 7 * P.cloudwatchMetricPerMonth.value;
  return { monthly, basis: `${instanceType} ${HOURS} h × ${money(hourly)} + ${volumeGiB} GiB gp3 + 7 detailed-monitoring metrics` };
}

/** A NAT gateway's month: its hours and the data assumed through it (its Elastic IP is a line of its own). */
const natGatewayMonthly = (a: Usage = A) => ({
  monthly: HOURS * P.natGatewayPerHour.value + a.natGatewayGbProcessedPerMonth * P.natGatewayPerGb.value,
  basis: `${HOURS} h × ${money(P.natGatewayPerHour.value)} + ${a.natGatewayGbProcessedPerMonth} GB processed (assumed)`,
});

/**
 * A NAT instance's month: the instance, its root volume and its auto-assigned public IPv4 address
 * (its reboot alarm is a line of its own). It has no per-GB charge of its own.
 */
function natInstanceMonthly(instanceType: string, volumeGiB: number): { monthly: number; basis: string } | undefined {
  const hourly = ec2Hourly(instanceType);
  if (hourly === undefined) return undefined;
  return {
    monthly: HOURS * (hourly + P.publicIpv4PerHour.value) + volumeGiB * P.ebsGp3PerGbMonth.value,
    basis: `NAT instance ${instanceType} ${HOURS} h × ${money(hourly)} + its public IPv4 address + ${volumeGiB} GiB gp3; no charge per GB`,
  };
}

const volumeOf = (blockDevices: any[] | undefined) => (blockDevices ?? []).reduce((sum, b) => sum + Number(b.Ebs?.VolumeSize ?? 0), 0);

/** The scalable target of an ECS service (its capacity range), if it scales. */
function ofTypeTargets(t: CfnTemplate, serviceId: string): { MinCapacity: number; MaxCapacity: number } | undefined {
  const target = Object.values(t.Resources).find(
    (r) =>
      r.Type === 'AWS::ApplicationAutoScaling::ScalableTarget' && JSON.stringify(r.Properties?.ResourceId ?? '').includes(`"${serviceId}"`),
  );
  return target?.Properties;
}

/** How many of `count` servers run on Spot: those above the on-demand base, in the Spot share (rounded down, as AWS rounds on-demand up). */
function spotShare(count: number, onDemandBase: number, spotPercent: number): number {
  const above = Math.max(0, count - onDemandBase);
  return above - Math.ceil((above * (100 - spotPercent)) / 100);
}

/**
 * The item reads a stage's data and cache tiers see, in millions a month: the assumed reads, less
 * what the edge answers (with a CDN) and what the cache answers (with a cache tier).
 */
export function readsReaching(t: CfnTemplate, a: Usage = A): { servers: number; cacheHits: number; dataTier: number } {
  const cdn = Object.values(t.Resources).some((r) => r.Type === 'AWS::CloudFront::Distribution');
  const cache = Object.values(t.Resources).some((r) => r.Type === 'AWS::ElastiCache::ServerlessCache');
  const servers = a.dynamodbReadMillionsPerMonth * (cdn ? 1 - a.edgeHitRatioForItems : 1);
  const cacheHits = cache ? servers * a.cacheHitRatio : 0;
  return { servers, cacheHits, dataTier: servers - cacheHits };
}

function priceOf(t: CfnTemplate, id: string, a: Usage): CostLine {
  const r = t.Resources[id];
  const line = (monthly: number | null, basis: string): CostLine => ({ resource: id, type: r.Type, monthly, basis });
  const unpriced = (why: string) => line(null, why);
  const p = r.Properties ?? {};

  switch (r.Type) {
    case 'AWS::EC2::Instance': {
      if (isNatInstance(r)) {
        const nat = natInstanceMonthly(p.InstanceType, volumeOf(p.BlockDeviceMappings) || a.imageRootGiB);
        return nat ? line(nat.monthly, nat.basis) : unpriced(`no price for instance type ${p.InstanceType}`);
      }
      const host = hostMonthly(p.InstanceType, volumeOf(p.BlockDeviceMappings));
      return host ? line(host.monthly, host.basis) : unpriced(`no price for instance type ${p.InstanceType}`);
    }
    case 'AWS::AutoScaling::AutoScalingGroup': {
      const launch = launchTemplateOf(t, id);
      const type = launch.instanceTypes[0];
      const host = hostMonthly(type, volumeOf(launch.data.BlockDeviceMappings));
      const count = Number(p.MinSize);
      if (!host) return unpriced(`no price for instance type ${type}`);
      const distribution = p.MixedInstancesPolicy?.InstancesDistribution;
      if (!distribution) return line(count * host.monthly, `${count} instances ${scaledTo(a)}, each ${host.basis}`);
      const spotPercent = 100 - (distribution.OnDemandPercentageAboveBaseCapacity ?? 100);
      const base = distribution.OnDemandBaseCapacity ?? 0;
      const saving = (servers: number) => spotShare(servers, base, spotPercent) * (ec2Hourly(type) ?? 0) * HOURS * a.ec2SpotDiscount;
      const spot = spotShare(count, base, spotPercent);
      const max = Number(p.MaxSize);
      return line(
        count * host.monthly - saving(count),
        `${count} instances ${scaledTo(a)}, ${spot} of them on Spot (assumed ${100 * a.ec2SpotDiscount} % below on demand), each ${host.basis}; ${money(count * host.monthly)} all on demand; at the maximum ${max}, ${spotShare(max, base, spotPercent)} on Spot save ${money(saving(max))} a month`,
      );
    }
    case 'AWS::ECS::Service': {
      const task = t.Resources[refId(p.TaskDefinition) ?? '']?.Properties ?? {};
      const vcpu = Number(task.Cpu) / 1024;
      const gb = Number(task.Memory) / 1024;
      const count = Number(p.DesiredCount ?? 1);
      const perTask = HOURS * (vcpu * P.fargatePerVcpuHour.value + gb * P.fargatePerGbHour.value);
      const strategy: any[] = p.CapacityProviderStrategy ?? [];
      const fargate = strategy.find((s) => s.CapacityProvider === 'FARGATE');
      const fargateSpot = strategy.find((s) => s.CapacityProvider === 'FARGATE_SPOT');
      if (!fargateSpot) return line(count * perTask, `${count} Fargate tasks of ${vcpu} vCPU / ${gb} GiB, ${HOURS} h each`);
      const weights = (fargate?.Weight ?? 0) + fargateSpot.Weight;
      const onSpot = (tasks: number) => spotShare(tasks, fargate?.Base ?? 0, (100 * fargateSpot.Weight) / weights);
      const target = ofTypeTargets(t, id);
      const max = target?.MaxCapacity ?? count;
      return line(
        count * perTask - onSpot(count) * perTask * a.fargateSpotDiscount,
        `${count} Fargate tasks of ${vcpu} vCPU / ${gb} GiB, ${HOURS} h each, ${onSpot(count)} of them on Fargate Spot (assumed ${100 * a.fargateSpotDiscount} % below Fargate); ${money(count * perTask)} all on Fargate; at the maximum ${max}, ${onSpot(max)} on Spot save ${money(onSpot(max) * perTask * a.fargateSpotDiscount)} a month`,
      );
    }
    case 'AWS::EC2::EIP':
      return line(HOURS * P.publicIpv4PerHour.value, `one public IPv4 address, ${HOURS} h × ${money(P.publicIpv4PerHour.value)}`);
    case 'AWS::EC2::NatGateway': {
      const nat = natGatewayMonthly(a);
      return line(nat.monthly, nat.basis);
    }
    case 'AWS::CloudWatch::Alarm':
      return line(P.cloudwatchAlarmPerMonth.value, 'one standard-resolution alarm');
    case 'AWS::ElasticLoadBalancingV2::LoadBalancer': {
      // An internet-facing load balancer has a public IPv4 address in each of its subnets; an internal one has none.
      const addresses = p.Scheme === 'internal' ? 0 : (p.Subnets ?? []).length;
      return line(
        HOURS * (P.albPerHour.value + a.albLcuPerHour * P.albPerLcuHour.value + addresses * P.publicIpv4PerHour.value),
        `${HOURS} h × (${money(P.albPerHour.value)} + ${amount(a.albLcuPerHour)} LCU ${source(a)}${addresses ? ` + ${addresses} public IPv4 addresses` : ', internal: no public address'})`,
      );
    }
    case 'AWS::RDS::DBInstance': {
      if (p.DBInstanceClass === 'db.serverless') {
        // An Aurora Serverless v2 instance, priced at its cluster's minimum capacity (as web tiers are at theirs).
        const scaling = t.Resources[refId(p.DBClusterIdentifier) ?? '']?.Properties?.ServerlessV2ScalingConfiguration;
        if (!scaling) return unpriced('a serverless instance without a capacity range');
        const rate = P.auroraServerlessV2PerAcuHour.value;
        return line(
          scaling.MinCapacity * rate * HOURS,
          `Aurora Serverless v2 at ${a.atCeiling ? '' : 'its minimum '}${scaling.MinCapacity} ACU, ${HOURS} h × ${money(rate)} per ACU (up to ${money(scaling.MaxCapacity * rate * HOURS)} at ${scaling.MaxCapacity} ACU)`,
        );
      }
      const hourly = (P.rdsPostgresSingleAzPerHour as Record<string, unknown>)[p.DBInstanceClass];
      if (typeof hourly !== 'number' || p.Engine !== 'postgres')
        return unpriced(`no price for ${p.Engine} on ${p.DBInstanceClass}${p.MultiAZ ? ' Multi-AZ' : ''}`);
      const factor = p.MultiAZ ? 2 : 1;
      return line(
        factor * (hourly * HOURS + Number(p.AllocatedStorage) * P.rdsGp3PerGbMonth.value),
        `${p.DBInstanceClass}${p.MultiAZ ? ' Multi-AZ (×2)' : ''} ${HOURS} h × ${money(hourly)} + ${p.AllocatedStorage} GiB gp3; backups up to the storage size are free`,
      );
    }
    case 'AWS::RDS::DBCluster':
      return line(
        a.auroraGbStored * P.auroraStoragePerGbMonth.value + a.auroraIoMillionsPerMonth * P.auroraIoPerMillionRequests.value,
        `Aurora Standard storage: ${a.auroraGbStored} GB and ${a.auroraIoMillionsPerMonth} M I/O requests (assumed); backups up to the storage size are free`,
      );
    case 'AWS::SecretsManager::Secret':
      return line(
        P.secretPerMonth.value + a.secretsApiCallsTenThousandsPerMonth * P.secretsPerTenThousandCalls.value,
        `one secret + ${a.secretsApiCallsTenThousandsPerMonth * 10_000} API calls (assumed)`,
      );
    case 'AWS::DynamoDB::Table': {
      if (p.BillingMode !== 'PAY_PER_REQUEST') return unpriced('provisioned capacity is not in the price table');
      const pitr = p.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled ? a.dynamodbGbStored * P.dynamodbPitrPerGbMonth.value : 0;
      const reads = readsReaching(t, a).dataTier;
      const spared =
        reads < a.dynamodbReadMillionsPerMonth
          ? ` of ${a.dynamodbReadMillionsPerMonth} M, the rest answered by the edge and the cache`
          : '';
      return line(
        a.dynamodbWriteMillionsPerMonth * P.dynamodbOnDemandPerMillionWrites.value +
          reads * READ_UNITS_PER_READ * P.dynamodbOnDemandPerMillionReads.value +
          a.dynamodbGbStored * P.dynamodbPerGbMonth.value +
          pitr,
        `on demand: ${amount(a.dynamodbWriteMillionsPerMonth)} M writes, ${amount(reads)} M eventually consistent reads (${READ_UNITS_PER_READ} read unit each)${spared}, ${a.dynamodbGbStored} GB stored${pitr ? ' with point-in-time recovery' : ''} ${source(a)}`,
      );
    }
    case 'AWS::Logs::LogGroup': {
      if (a.requestLogGbPerMonth !== undefined && receivesRequestLog(t, id)) {
        const gb = a.requestLogGbPerMonth;
        return line(
          gb * P.logsPerGbIngested.value,
          `${Number(gb.toPrecision(4))} GB of request log ingested (one line a request that reaches a server)`,
        );
      }
      return line(a.logsGbIngestedPerMonth * P.logsPerGbIngested.value, `${a.logsGbIngestedPerMonth} GB ingested (assumed)`);
    }
    case 'AWS::S3::Bucket':
      return line(a.bucketGbStored * P.s3StandardPerGbMonth.value, `${a.bucketGbStored} GB stored (assumed)`);
    case 'AWS::Route53::RecordSet':
      return p.AliasTarget
        ? line(0, 'alias queries to a load balancer or CloudFront are free')
        : line(
            a.route53QueryMillionsPerMonth * P.route53PerMillionQueries.value,
            `${a.route53QueryMillionsPerMonth} M queries (assumed); the hosted zone is not part of the stage`,
          );
    case 'AWS::Lambda::Function': {
      const gb = Number(p.MemorySize ?? 128) / 1024;
      return line(a.lambdaSecondsPerMonth * gb * P.lambdaPerGbSecond.value, `${a.lambdaSecondsPerMonth} s of ${gb} GB a month (assumed)`);
    }
    case 'AWS::CloudFront::Distribution': {
      const requests = a.cdnRequestMillionsPerMonth * 100 * P.cloudfrontPerTenThousandHttpsRequests.value;
      const transfer = a.cdnGbOutPerMonth * P.cloudfrontPerGbOut.value;
      return line(
        requests + transfer,
        `${amount(a.cdnRequestMillionsPerMonth)} M HTTPS requests and ${amount(a.cdnGbOutPerMonth)} GB out ${source(a)}; fetching from the origin is free`,
      );
    }
    case 'AWS::CloudFront::Function':
      return line(
        a.pageViewMillionsPerMonth * P.cloudfrontFunctionPerMillionInvocations.value,
        `${a.pageViewMillionsPerMonth} M invocations (page requests, assumed)`,
      );
    case 'AWS::WAFv2::WebACL': {
      const rules = (p.Rules ?? []).length;
      return line(
        P.wafWebAclPerMonth.value + rules * P.wafRulePerMonth.value + a.cdnRequestMillionsPerMonth * P.wafPerMillionRequests.value,
        `one web ACL + ${rules} rules + ${amount(a.cdnRequestMillionsPerMonth)} M requests inspected ${source(a)}`,
      );
    }
    case 'AWS::ElastiCache::ServerlessCache': {
      const stored = Math.max(a.cacheGbStored, 0.1);
      const { servers, cacheHits } = readsReaching(t, a);
      // A GET per read that reaches a server, and a SET to fill each miss.
      const ecpus = servers + (servers - cacheHits);
      const limit = Number(p.CacheUsageLimits?.DataStorage?.Maximum ?? 0);
      return line(
        stored * HOURS * P.elasticacheServerlessValkeyPerGbHour.value + ecpus * P.elasticacheServerlessValkeyPerMillionEcpu.value,
        `${stored} GB stored (the least billed) × ${HOURS} h × ${money(P.elasticacheServerlessValkeyPerGbHour.value)} + ${Number(ecpus.toPrecision(3))} M ECPUs (assumed reads and fills)${limit ? `; up to ${money(limit * HOURS * P.elasticacheServerlessValkeyPerGbHour.value)} for storage at its ${limit} GB limit` : ''}`,
      );
    }
    case 'AWS::EC2::VPCEndpoint':
      return p.VpcEndpointType === 'Gateway' || p.VpcEndpointType === undefined
        ? line(0, 'gateway endpoints have no charge')
        : unpriced('interface endpoints are not in the price table');
    default:
      return FREE.has(r.Type) ? line(0, PRICE_TABLE.free.source) : unpriced(`${r.Type} is not in the price table`);
  }
}

/** The NAT of a stage beside the other kind for the same zones, priced the same way. */
export interface NatEgress {
  readonly provider: NatProviderKind;
  readonly count: number;
  /** The zones of the private subnets, whose egress the NATs carry. */
  readonly zones: number;
  /** USD per month: the NATs, their public addresses and (instances) their reboot alarms. */
  readonly monthly: number;
  /** The other provider, as many of it, in USD per month. */
  readonly other: { readonly provider: NatProviderKind; readonly monthly: number };
  /** The comparison in one line. */
  readonly summary: string;
}

/** One NAT of each kind for a month, with what comes with it: a gateway's Elastic IP, an instance's alarm. */
function natMonthly(provider: NatProviderKind, instanceType: string): number | undefined {
  if (provider === 'gateway') return natGatewayMonthly().monthly + HOURS * P.publicIpv4PerHour.value;
  const instance = natInstanceMonthly(instanceType, A.imageRootGiB);
  return instance && instance.monthly + P.cloudwatchAlarmPerMonth.value;
}

/** How the stage's private subnets reach the internet, and what the other NAT would cost; undefined without NAT. */
export function natEgressOf(t: CfnTemplate, lines: CostLine[] = costOf(t).lines): NatEgress | undefined {
  const gateways = ofType(t, 'AWS::EC2::NatGateway');
  const instances = natInstances(t);
  if (gateways.length + instances.length === 0) return undefined;
  const provider = gateways.length > 0 ? 'gateway' : 'instance';
  const count = gateways.length + instances.length;
  // What comes with them: the gateways' Elastic IPs, the alarms about the instances.
  const nats = new Set([...gateways, ...instances].map(([id]) => id));
  const addresses = gateways.map(([, g]) => refId(g.Properties?.AllocationId)).filter((id): id is string => id !== undefined);
  const alarms = instances.map(([id]) => rebootAlarmOf(t, id)?.[0]).filter((id): id is string => id !== undefined);
  const ours = new Set([...nats, ...addresses, ...alarms]);
  const monthly = lines.filter((l) => ours.has(l.resource)).reduce((sum, l) => sum + (l.monthly ?? 0), 0);
  const configured = (t.Metadata?.[CONFIGURATION_METADATA] as { natInstanceType?: string } | undefined)?.natInstanceType;
  const instanceType = instances[0]?.[1].Properties?.InstanceType ?? configured ?? 't4g.nano';
  const otherProvider = provider === 'gateway' ? 'instance' : 'gateway';
  const other = count * (natMonthly(otherProvider, instanceType) ?? Number.NaN);
  const zones = privateZones(t).size;
  const noun = (kind: string, n: number) => `${n} NAT ${kind}${n === 1 ? '' : 's'}`;
  const delta = other - monthly;
  return {
    provider,
    count,
    zones,
    monthly,
    other: { provider: otherProvider, monthly: other },
    summary: `${noun(provider, count)} for ${zones} zones, ${cents(monthly)}; as ${otherProvider}s ${cents(other)} (${delta >= 0 ? '+' : '−'}${cents(Math.abs(delta))})`,
  };
}

export function costOf(t: CfnTemplate, usage: Usage = A): StageCost {
  const lines = Object.keys(t.Resources).map((id) => priceOf(t, id, usage));
  return {
    lines,
    total: lines.reduce((sum, l) => sum + (l.monthly ?? 0), 0),
    unpriced: lines.filter((l) => l.monthly === null),
  };
}
