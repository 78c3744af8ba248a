/**
 * How far a stage carries: its ceiling in requests per second (reads, writes, and the stated mix),
 * the component that saturates first, and the users that ceiling serves, read from its synthesized
 * template alone, as the rest of compare is.
 *
 * The model is the utilization law of operational analysis (Denning and Buzen; Lazowska et al.,
 * "Quantitative System Performance", ch. 5): each component has a capacity (CPU microseconds, request
 * units, ECPUs or requests a second) and each request takes a demand of it, so it saturates at
 * capacity ÷ demand requests a second; the stage's ceiling is the lowest of those, and the component
 * that sets it is its bottleneck. Demands come from this service measured here (inputs.json,
 * `measured`) and from AWS's published units; capacities from the template (how many servers at most,
 * their size, the database's class or capacity range, the cache's limit) and AWS's published limits.
 * The traffic is the price table's: with a CDN the edge answers a share of the item reads, with a
 * cache the cache answers a share of those that reach a server.
 *
 * What it leaves out, and says so: queueing (latency rises well before the ceiling; scale before
 * it), storage I/O (PostgreSQL was measured with fsync off), the time a tier takes to scale out, and
 * a hot key (one item read by everyone stays within one DynamoDB partition and one cache slot).
 */
import { capacityOf, colocatedServices, webTierIds } from '../compare/analyse';
import PRICE_TABLE from '../compare/prices.json';
import { GIB_PER_ACU, instanceMemoryGiB, maxConnections, usableConnections } from '../config/connections';
import { type CfnTemplate, clusterInstances, launchTemplateOf, ofType, refId, webAppSettings } from '../template';
import { CAPACITY_INPUTS, type CapacityInputs, type ServicePath } from './inputs';

/** A part of the stage that a request takes some of, and how much it has. */
export interface Component {
  /** What it is, as an architect says it: `web tier: 6 × t3.small, one Node process each`. */
  readonly name: string;
  /** The logical id of the resource it is (for the host: the instance). */
  readonly resource: string;
  /** What it has of `unit` a second. */
  readonly capacity: number;
  readonly unit: string;
  /** How much of `unit` one item read, and one item write, take of it (a read the edge answers takes none). */
  readonly perRead: number;
  readonly perWrite: number;
  /** How the capacity and the demands were reached, with their sources. */
  readonly basis: string;
}

/** Requests a second: only reads, only writes, and the stated mix. */
export interface Rates {
  readonly reads: number;
  readonly writes: number;
  readonly mixed: number;
}

export interface ComponentCeiling extends Component {
  /** Where this component alone saturates. */
  readonly ceiling: Rates;
}

export interface StageCapacity {
  /** The share of requests that are item reads in `mixed`. */
  readonly readShare: number;
  readonly ceiling: Rates;
  /** The name of the component that saturates first, for each rate. */
  readonly bottleneck: { readonly reads: string; readonly writes: string; readonly mixed: string };
  /** Every component, the first to saturate (at the mix) first. */
  readonly components: ComponentCeiling[];
  /** Daily active users at the mixed ceiling: each makes requestsPerUserPerDay, and the peak is peakToAverage × the day's average. */
  readonly users: number;
  /** What the model leaves out or what else limits this stage, in a sentence each. */
  readonly notes: string[];
}

/** The shares of the traffic each tier sees: reads the edge answers, and reads the cache answers of those that reach a server. */
export interface Traffic {
  readonly edgeHitRatio: number;
  readonly cacheHitRatio: number;
}

const A = PRICE_TABLE.assumptions;
const MICROS = 1_000_000;

/** The ceiling of each component and of the whole, at `readShare`. */
export function ceilingsOf(
  components: Component[],
  readShare: number,
  inputs: CapacityInputs = CAPACITY_INPUTS,
): Omit<StageCapacity, 'notes'> {
  const at = (c: Component, share: number) => {
    const demand = share * c.perRead + (1 - share) * c.perWrite;
    return demand > 0 ? c.capacity / demand : Number.POSITIVE_INFINITY;
  };
  if (components.length === 0) throw new Error('the capacity model found no component that carries requests in this template');
  const ceilings: ComponentCeiling[] = components
    .map((c) => ({ ...c, ceiling: { reads: at(c, 1), writes: at(c, 0), mixed: at(c, readShare) } }))
    .sort((a, b) => a.ceiling.mixed - b.ceiling.mixed);
  const lowest = (rate: keyof Rates) => ceilings.reduce((min, c) => (c.ceiling[rate] < min.ceiling[rate] ? c : min), ceilings[0]);
  const ceiling = { reads: lowest('reads').ceiling.reads, writes: lowest('writes').ceiling.writes, mixed: lowest('mixed').ceiling.mixed };
  const { requestsPerUserPerDay, peakToAverage } = inputs.assumptions;
  return {
    readShare,
    ceiling,
    bottleneck: { reads: lowest('reads').name, writes: lowest('writes').name, mixed: lowest('mixed').name },
    components: ceilings,
    users: Math.floor((ceiling.mixed * 86_400) / (requestsPerUserPerDay * peakToAverage)),
  };
}

/** vCPUs of an EC2 or RDS size (`t3.small`, `db.r6g.large`). */
export function vcpusOf(instanceType: string, inputs: CapacityInputs = CAPACITY_INPUTS): number | undefined {
  const [family, size] = instanceType.replace(/^db\./, '').split('.');
  const bySize = inputs.limits.vcpusBySize.value;
  const burstable = family?.startsWith('t');
  if (burstable && bySize[`t.${size}`] !== undefined) return bySize[`t.${size}`];
  if (bySize[size] !== undefined) return bySize[size];
  const n = /^(\d+)xlarge$/.exec(size ?? '');
  return n ? Number(n[1]) * bySize.xlarge : undefined;
}

/** The burstable baseline of a size (a share of each vCPU), or undefined for a size that is not burstable. */
export function baselineOf(instanceType: string, inputs: CapacityInputs = CAPACITY_INPUTS): number | undefined {
  const [family, size] = instanceType.replace(/^db\./, '').split('.');
  return family?.startsWith('t') ? inputs.limits.burstableBaselinePerVcpu.value[size] : undefined;
}

/** Where the stage keeps its items, what reads them from a replica, and whether the service caches them. */
function dataPath(t: CfnTemplate): { store: 'postgresql' | 'dynamodb'; readers: boolean; cache: boolean } {
  const settings = webAppSettings(t).join('\n');
  return {
    store: /^DATA_STORE=dynamodb$/m.test(settings) ? 'dynamodb' : 'postgresql',
    readers: /^DB_READER_HOST=/m.test(settings),
    cache: /^CACHE_URL=/m.test(settings),
  };
}

/** The traffic a stage's template implies: the edge's share only with a CDN, the cache's only with a cache. */
export function trafficOf(t: CfnTemplate): Traffic {
  const cdn = ofType(t, 'AWS::CloudFront::Distribution').length > 0;
  return { edgeHitRatio: cdn ? A.edgeHitRatioForItems : 0, cacheHitRatio: dataPath(t).cache ? A.cacheHitRatio : 0 };
}

/** The service's CPU (all threads, or its main thread) per item read that reaches it, and per write. */
export function serviceDemand(
  store: 'postgresql' | 'dynamodb',
  cacheHitRatio: number,
  thread: 'all' | 'mainThread',
  inputs: CapacityInputs = CAPACITY_INPUTS,
): { read: number; write: number } {
  const s = (path: ServicePath) => inputs.measured.serviceMicros[path][thread];
  const uncached = s(`read-${store}`);
  if (cacheHitRatio === 0) return { read: uncached, write: s(`write-${store}`) };
  // A miss costs what the read without a cache does, plus the cache's GET and SET (measured on PostgreSQL).
  const miss = uncached + s('read-cache-miss') - s('read-postgresql');
  return { read: cacheHitRatio * s('read-cache-hit') + (1 - cacheHitRatio) * miss, write: s(`write-${store}`) };
}

const round = (n: number) => Number(n.toPrecision(3));
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Each web tier: its Node processes (one thread each) and their vCPUs; for a single server that hosts the data, the host. */
function webComponents(t: CfnTemplate, traffic: Traffic, inputs: CapacityInputs): Component[] {
  const { store, cache } = dataPath(t);
  const origin = 1 - traffic.edgeHitRatio;
  const all = serviceDemand(store, traffic.cacheHitRatio, 'all', inputs);
  const main = serviceDemand(store, traffic.cacheHitRatio, 'mainThread', inputs);
  const k = inputs.assumptions.vcpuToMeasuredCore;
  const m = inputs.measured;
  return webTierIds(t).flatMap((id): Component[] => {
    const r = t.Resources[id];
    const servers = capacityOf(t, id).max;
    const fargate = r.Type === 'AWS::ECS::Service';
    const unit = fargate ? 'task' : 'server';
    let vcpus: number | undefined;
    let size: string;
    if (fargate) {
      const task = t.Resources[refId(r.Properties.TaskDefinition) ?? '']?.Properties ?? {};
      vcpus = Number(task.Cpu) / 1024;
      size = `${vcpus} vCPU Fargate task${servers === 1 ? '' : 's'}`;
    } else {
      size = r.Type === 'AWS::EC2::Instance' ? r.Properties.InstanceType : launchTemplateOf(t, id).instanceTypes[0];
      const n = vcpusOf(size, inputs);
      // A burstable server in standard mode sustains only its baseline; in unlimited mode (the default) all its vCPUs.
      const credits =
        r.Type === 'AWS::EC2::Instance'
          ? r.Properties.CreditSpecification?.CPUCredits
          : launchTemplateOf(t, id).data.CreditSpecification?.CpuCredits;
      const baseline = baselineOf(size, inputs);
      vcpus = n !== undefined && credits === 'standard' && baseline !== undefined ? n * baseline : n;
    }
    const fleet = `${servers} × ${size}`;
    const processes: Component = {
      name: `web tier: ${fleet}, ${servers === 1 ? 'its Node process' : 'one Node process each'}`,
      resource: id,
      capacity: servers * MICROS,
      unit: 'µs of main thread',
      perRead: origin * main.read,
      perWrite: main.write,
      basis: `${plural(servers, unit)} at most, each one Node process whose JavaScript runs on one thread: ${round(main.read)} µs of it per item read that reaches it, ${round(main.write)} µs per write (measured ${m.date})`,
    };
    // A size whose vCPUs the inputs do not give (a metal size): its processes still bound it, and a note says so.
    if (vcpus === undefined) return [processes];
    const colocated = r.Type === 'AWS::EC2::Instance' ? colocatedServices(t, id) : [];
    if (colocated.length === 0) {
      return [
        processes,
        {
          name: `web tier: ${fleet}, ${plural(servers * vcpus, 'vCPU')}`,
          resource: id,
          capacity: servers * vcpus * MICROS * k,
          unit: 'vCPU µs',
          perRead: origin * all.read,
          perWrite: all.write,
          basis: `${plural(servers * vcpus, 'vCPU')} (${vcpus} a ${unit}) for ${round(all.read)} µs of CPU per item read that reaches a server, ${round(all.write)} µs per write (all the service's threads, measured ${m.date})`,
        },
      ];
    }
    // One host for the service, PostgreSQL and Valkey: they share its vCPUs.
    const hitRatio = traffic.cacheHitRatio;
    const postgres = colocated.includes('PostgreSQL') ? m.postgresMicros : { read: 0, write: 0 };
    const valkey = colocated.includes('Valkey') && cache ? hitRatio * m.cacheMicros.hit + (1 - hitRatio) * m.cacheMicros.miss : 0;
    const perRead = origin * (all.read + (1 - hitRatio) * postgres.read + valkey);
    return [
      processes,
      {
        name: `single host: ${size}, ${plural(vcpus, 'vCPU')} for the web app, ${colocated.join(' and ')}`,
        resource: id,
        capacity: vcpus * MICROS * k,
        unit: 'vCPU µs',
        perRead,
        perWrite: all.write + postgres.write,
        basis: `${plural(vcpus, 'vCPU')} shared: per item read ${round(all.read)} µs of the service${postgres.read ? `, ${round((1 - hitRatio) * postgres.read)} of PostgreSQL` : ''}${valkey ? `, ${round(valkey)} of Valkey` : ''}; per write ${round(all.write)} + ${round(postgres.write)} µs (measured ${m.date})`,
      },
    ];
  });
}

/** The vCPUs of a database instance: its class's, or a Serverless v2 instance's maximum capacity in ACUs. */
function databaseVcpus(t: CfnTemplate, id: string, inputs: CapacityInputs): { vcpus: number; size: string } | undefined {
  const p = t.Resources[id].Properties;
  if (p.DBInstanceClass === 'db.serverless') {
    const scaling = t.Resources[refId(p.DBClusterIdentifier) ?? '']?.Properties?.ServerlessV2ScalingConfiguration;
    if (!scaling) return undefined;
    return { vcpus: scaling.MaxCapacity * inputs.limits.vcpuPerAcu.value, size: `Serverless v2 up to ${scaling.MaxCapacity} ACU` };
  }
  const vcpus = vcpusOf(p.DBInstanceClass, inputs);
  return vcpus === undefined ? undefined : { vcpus, size: p.DBInstanceClass };
}

/** The database: one instance (stages 2–3), or an Aurora writer and its readers (stage 4 on). */
function databaseComponents(t: CfnTemplate, traffic: Traffic, inputs: CapacityInputs): Component[] {
  const { store, readers: readsFromReaders } = dataPath(t);
  if (store !== 'postgresql') return [];
  const reads = (1 - traffic.edgeHitRatio) * (1 - traffic.cacheHitRatio);
  const pg = inputs.measured.postgresMicros;
  const k = inputs.assumptions.vcpuToMeasuredCore;
  const basis = (vcpus: number, what: string) =>
    `${plural(round(vcpus), 'vCPU')} for ${what} (PostgreSQL's CPU for the service's queries, measured ${inputs.measured.date}; storage I/O not counted)`;
  const standalone = ofType(t, 'AWS::RDS::DBInstance').filter(([, r]) => !r.Properties.DBClusterIdentifier);
  const components: Component[] = standalone.flatMap(([id]) => {
    const size = databaseVcpus(t, id, inputs);
    if (!size) return [];
    return [
      {
        name: `database: ${size.size}`,
        resource: id,
        capacity: size.vcpus * MICROS * k,
        unit: 'vCPU µs',
        perRead: reads * pg.read,
        perWrite: pg.write,
        basis: basis(size.vcpus, `${round(pg.read)} µs per item read that reaches it and ${round(pg.write)} µs per write`),
      },
    ];
  });
  for (const [clusterId] of ofType(t, 'AWS::RDS::DBCluster')) {
    const { writer, readers } = clusterInstances(t, clusterId);
    if (!writer) continue;
    const writerSize = databaseVcpus(t, writer, inputs);
    const readerSizes = readers.map((id) => databaseVcpus(t, id, inputs)).filter((s) => s !== undefined);
    if (!writerSize || readerSizes.length !== readers.length) continue;
    const split = readsFromReaders && readers.length > 0;
    components.push({
      name: `database writer: ${writerSize.size}`,
      resource: writer,
      capacity: writerSize.vcpus * MICROS * k,
      unit: 'vCPU µs',
      perRead: split ? 0 : reads * pg.read,
      perWrite: pg.write,
      basis: basis(writerSize.vcpus, split ? `${round(pg.write)} µs per write; the readers take the reads` : 'every read and write'),
    });
    if (split) {
      const vcpus = readerSizes.reduce((sum, s) => sum + s.vcpus, 0);
      components.push({
        name: `database readers: ${readers.length} × ${readerSizes[0].size}`,
        resource: readers[0],
        capacity: vcpus * MICROS * k,
        unit: 'vCPU µs',
        perRead: reads * pg.read,
        perWrite: 0,
        basis: basis(
          vcpus,
          `${round(pg.read)} µs per item read that reaches them, spread by the reader endpoint; replaying the writer's log is not counted`,
        ),
      });
    }
  }
  return components;
}

/** A DynamoDB table on demand: its read and its write throughput, each a limit of its own. */
function tableComponents(t: CfnTemplate, traffic: Traffic, inputs: CapacityInputs): Component[] {
  if (dataPath(t).store !== 'dynamodb') return [];
  const L = inputs.limits;
  const reads = (1 - traffic.edgeHitRatio) * (1 - traffic.cacheHitRatio);
  return ofType(t, 'AWS::DynamoDB::Table')
    .filter(([, r]) => r.Properties.BillingMode === 'PAY_PER_REQUEST')
    .filter(([, r]) => (r.Properties.KeySchema ?? []).some((k: any) => k.AttributeName === 'id'))
    .flatMap(([id]): Component[] => [
      {
        name: 'table reads (on demand)',
        resource: id,
        capacity: L.dynamodbTableRequestUnitsPerSecond.value.read,
        unit: 'read request units',
        perRead: reads * L.dynamodbRequestUnits.value.eventuallyConsistentRead,
        perWrite: 0,
        basis: `the table's default quota of ${L.dynamodbTableRequestUnitsPerSecond.value.read} read request units a second (${L.dynamodbTableRequestUnitsPerSecond.source}); an item read is eventually consistent and under 4 KB: ${L.dynamodbRequestUnits.value.eventuallyConsistentRead} unit`,
      },
      {
        name: 'table writes (on demand)',
        resource: id,
        capacity: L.dynamodbTableRequestUnitsPerSecond.value.write,
        unit: 'write request units',
        perRead: 0,
        perWrite: L.dynamodbRequestUnits.value.write,
        basis: `the table's default quota of ${L.dynamodbTableRequestUnitsPerSecond.value.write} write request units a second; an item is under 1 KB: ${L.dynamodbRequestUnits.value.write} unit a write`,
      },
    ]);
}

/** The managed cache, at the ECPUs a second its usage limit allows. */
function cacheComponents(t: CfnTemplate, traffic: Traffic, inputs: CapacityInputs): Component[] {
  const origin = 1 - traffic.edgeHitRatio;
  const ecpu = inputs.limits.elasticacheEcpuPerCommand.value;
  return ofType(t, 'AWS::ElastiCache::ServerlessCache').flatMap(([id, r]): Component[] => {
    // Without a limit of its own it scales on; AWS publishes no maximum for a serverless cache that this model could use.
    const limit = Number(r.Properties.CacheUsageLimits?.ECPUPerSecond?.Maximum ?? 0);
    if (!limit) return [];
    return [
      {
        name: `managed cache: up to ${limit.toLocaleString('en-US')} ECPU/s`,
        resource: id,
        capacity: limit,
        unit: 'ECPUs',
        perRead: origin * ecpu * (1 + (1 - traffic.cacheHitRatio)),
        perWrite: 0,
        basis: `its ECPUPerSecond limit (cacheMaxEcpuPerSecond), above which ElastiCache throttles; a GET of an item is ${ecpu} ECPU, and a miss adds the SET that fills it (${inputs.limits.elasticacheEcpuPerCommand.source})`,
      },
    ];
  });
}

/** The CDN, at its default quota of requests a second per distribution. */
function edgeComponents(t: CfnTemplate, inputs: CapacityInputs): Component[] {
  const quota = inputs.limits.cloudfrontRequestsPerSecondPerDistribution;
  return ofType(t, 'AWS::CloudFront::Distribution').map(([id]) => ({
    name: 'CDN: requests per distribution',
    resource: id,
    capacity: quota.value,
    unit: 'requests',
    perRead: 1,
    perWrite: 1,
    basis: `CloudFront's default quota of ${quota.value.toLocaleString('en-US')} requests a second per distribution (${quota.source})`,
  }));
}

/** The capacity of a stage, from its template. */
export function capacityOfStage(template: CfnTemplate, inputs: CapacityInputs = CAPACITY_INPUTS): StageCapacity {
  const traffic = trafficOf(template);
  const components = [
    ...edgeComponents(template, inputs),
    ...webComponents(template, traffic, inputs),
    ...databaseComponents(template, traffic, inputs),
    ...tableComponents(template, traffic, inputs),
    ...cacheComponents(template, traffic, inputs),
  ];
  const result = ceilingsOf(components, inputs.assumptions.readShare, inputs);
  return { ...result, notes: notesOf(template, result, inputs) };
}

/** What else limits the stage, or what the figure leaves out, in the stage's own terms. */
function notesOf(t: CfnTemplate, result: Omit<StageCapacity, 'notes'>, inputs: CapacityInputs): string[] {
  const L = inputs.limits;
  const notes: string[] = [];
  if (ofType(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer').length > 0)
    notes.push(
      'The load balancer scales with traffic and has no published ceiling; a surge faster than it scales can answer 503 (a capacity reservation of LCUs avoids it). It is priced at the ceiling by its LCUs.',
    );
  const { store } = dataPath(t);
  const endpoints = ofType(t, 'AWS::EC2::VPCEndpoint').map(([, r]) => JSON.stringify(r.Properties.ServiceName ?? ''));
  const nat =
    ofType(t, 'AWS::EC2::NatGateway').length > 0 || ofType(t, 'AWS::EC2::Instance').some(([, r]) => r.Properties.SourceDestCheck === false);
  if (nat && (store !== 'dynamodb' || endpoints.some((e) => e.includes('.dynamodb'))))
    notes.push(
      'The NAT carries no request: the database and the cache are in the VPC, and DynamoDB and S3 are reached through gateway endpoints.',
    );
  const connections = connectionsOf(t);
  if (connections) notes.push(connections);
  if (ofType(t, 'AWS::ElastiCache::ServerlessCache').length > 0)
    notes.push(
      "Past the cache's ECPU limit, throttled commands wait out the service's cache deadline and the read goes to the database: latency rises and the database takes the reads the cache no longer answers. Raise cacheMaxEcpuPerSecond to move this ceiling.",
    );
  if (store === 'dynamodb') {
    const start = L.dynamodbNewTableRequestUnitsPerSecond.value;
    const partition = L.dynamodbPartitionRequestUnitsPerSecond.value;
    notes.push(
      `A new on-demand table serves ${start.read.toLocaleString('en-US')} read and ${start.write.toLocaleString('en-US')} write units a second at first, and up to double its previous peak after that (${L.dynamodbNewTableRequestUnitsPerSecond.source}); one item is one partition: ${partition.read.toLocaleString('en-US')} reads and ${partition.write.toLocaleString('en-US')} writes a second at most, however large the table's quota.`,
    );
  }
  const unknown = unknownSizes(t, inputs);
  if (unknown.length > 0)
    notes.push(
      `The vCPUs of ${unknown.join(' and ')} are not in lib/capacity/inputs.json (vcpusBySize): ${unknown.length === 1 ? 'it is' : 'they are'} left out of the ceiling, which may be lower than shown.`,
    );
  const burstable = webTierIds(t).some((id) => {
    const r = t.Resources[id];
    const type =
      r.Type === 'AWS::EC2::Instance'
        ? r.Properties.InstanceType
        : r.Type === 'AWS::ECS::Service'
          ? undefined
          : launchTemplateOf(t, id).instanceTypes[0];
    return type !== undefined && baselineOf(type, inputs) !== undefined;
  });
  if (burstable)
    notes.push(
      `Burstable web servers launch in unlimited mode: they run above their baseline for as long as needed and pay for the surplus CPU (${L.burstableSurplusPerVcpuHour.source}), counted in the cost at the ceiling.`,
    );
  const burstableDatabases = ofType(t, 'AWS::RDS::DBInstance')
    .map(([, r]) => String(r.Properties.DBInstanceClass))
    .filter((size) => baselineOf(size, inputs) !== undefined);
  if (burstableDatabases.length > 0)
    notes.push(
      `The database's ${[...new Set(burstableDatabases)].join(' and ')} runs in unlimited mode, as RDS runs every burstable class: above its baseline it pays surplus credits (${inputs.limits.rdsBurstableSurplusPerVcpuHour.source}), counted in the cost at the ceiling.`,
    );
  if (ofType(t, 'AWS::WAFv2::WebACL').some(([, r]) => JSON.stringify(r.Properties.Rules ?? []).includes('RateBasedStatement'))) {
    const limit = rateLimitOf(t);
    if (limit)
      notes.push(
        `The firewall answers 429 to one address above ${limit} requests in ${L.wafRateWindowSeconds.value / 60} minutes (${Number((limit / L.wafRateWindowSeconds.value).toFixed(1))} a second): a load test from one machine meets that long before the ceiling.`,
      );
  }
  const hot = result.components[0];
  if (hot && result.components.length > 1) {
    const next = result.components[1];
    notes.push(
      `Next to saturate: ${next.name}, at ${Math.round(next.ceiling.mixed).toLocaleString('en-US')} requests a second (${(next.ceiling.mixed / hot.ceiling.mixed).toFixed(1)}× the ceiling).`,
    );
  }
  return notes;
}

/** Web server and database sizes whose vCPUs the inputs do not give. */
function unknownSizes(t: CfnTemplate, inputs: CapacityInputs): string[] {
  const web = webTierIds(t).flatMap((id) => {
    const r = t.Resources[id];
    if (r.Type === 'AWS::ECS::Service') return [];
    const size = r.Type === 'AWS::EC2::Instance' ? r.Properties.InstanceType : launchTemplateOf(t, id).instanceTypes[0];
    return vcpusOf(size, inputs) === undefined ? [size] : [];
  });
  const databases = ofType(t, 'AWS::RDS::DBInstance')
    .map(([, r]) => String(r.Properties.DBInstanceClass))
    .filter((size) => size !== 'db.serverless' && vcpusOf(size, inputs) === undefined);
  return [...new Set([...web, ...databases])];
}

/** The web tier's connections at its largest against what the database accepts, in a sentence; undefined without a separate database. */
function connectionsOf(t: CfnTemplate): string | undefined {
  const settings = webAppSettings(t).join('\n');
  const pool = Number(/^DB_POOL_SIZE=(\d+)$/m.exec(settings)?.[1] ?? Number.NaN);
  const database = ofType(t, 'AWS::RDS::DBInstance')[0];
  if (!database || Number.isNaN(pool)) return undefined;
  const p = database[1].Properties;
  const scaling = t.Resources[refId(p.DBClusterIdentifier) ?? '']?.Properties?.ServerlessV2ScalingConfiguration;
  const memory =
    p.DBInstanceClass === 'db.serverless'
      ? scaling
        ? GIB_PER_ACU * scaling.MaxCapacity
        : undefined
      : instanceMemoryGiB(String(p.DBInstanceClass).replace(/^db\./, ''));
  if (memory === undefined) return undefined;
  const pools = /^DB_READER_HOST=/m.test(settings) ? 2 : 1;
  const servers = webTierIds(t).reduce((sum, id) => sum + capacityOf(t, id).max, 0);
  const wanted = servers * pools * pool;
  return `Connections: at most ${plural(servers, 'server')} × ${pools === 2 ? '2 pools (writer and readers) × ' : ''}${pool} = ${wanted}, within the ${usableConnections(memory)} one database instance takes (${maxConnections(memory)} max_connections for ${memory} GiB, less a reserve; the configuration refuses more): each connection pipelines its queries, so they do not set the ceiling.`;
}

/** The firewall's rate limit per address in its window, if it has one. */
function rateLimitOf(t: CfnTemplate): number | undefined {
  for (const [, acl] of ofType(t, 'AWS::WAFv2::WebACL'))
    for (const rule of acl.Properties.Rules ?? []) {
      const limit = rule.Statement?.RateBasedStatement?.Limit;
      if (limit !== undefined) return Number(limit);
    }
  return undefined;
}
