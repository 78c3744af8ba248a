/**
 * What a stage is, read from its synthesized template alone: the request path, its resources,
 * what still fails alone, how it scales, how available and durable it is, what faces the internet.
 * Nothing here is written by hand per stage, so it cannot drift from the code.
 */
import {
  type CfnResource,
  type CfnTemplate,
  clusterInstances,
  groupsOf,
  ingressRules,
  launchTemplateOf,
  natInstances,
  ofType,
  privateZones,
  rebootAlarmOf,
  referencedIds,
  refId,
  rolesOf,
  serverInstances,
  sessionStoreOf,
  subnetZone,
  userDataText,
} from '../template';

export interface PathNode {
  readonly id: string;
  readonly label: string;
}
export interface PathEdge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
}

export interface SinglePointOfFailure {
  /** The logical id of the resource that fails alone. */
  readonly resource: string;
  readonly what: string;
}

export interface StageFacts {
  readonly stack: string;
  readonly resourceCount: number;
  /** Resource counts by service (`EC2`, `RDS`, ...). */
  readonly resourcesByService: Record<string, number>;
  readonly requestPath: { readonly nodes: PathNode[]; readonly edges: PathEdge[] };
  readonly singlePointsOfFailure: SinglePointOfFailure[];
  readonly scaling: { readonly vertical: string[]; readonly horizontal: string[]; readonly saturation: string[] };
  readonly availability: {
    readonly zones: string[];
    readonly healthChecks: string[];
    readonly backups: string[];
    readonly deletionProtection: string[];
    /** What the stage does when a part of it fails or slows, beyond replacing it. */
    readonly degradation: string[];
  };
  /** What accepts traffic from the internet, on which ports. */
  readonly exposure: string[];
  /** The web tier's size, as `1` or `2–6`. */
  readonly webServers: string;
  /** Where the web app keeps sessions: `memory` (each server its own), `cache` or `dynamodb`. */
  readonly sessions: string;
  /** The web tier's Spot capacity, in words; undefined when it is all on demand. */
  readonly spot: string | undefined;
}

const serviceOf = (type: string) => (type.startsWith('Custom::') ? 'Custom resources' : type.split('::')[1]);

/** The web tier: a standalone instance behind an Elastic IP, an Auto Scaling group, or a Fargate service. */
export function webTierIds(t: CfnTemplate): string[] {
  return [...ofType(t, 'AWS::AutoScaling::AutoScalingGroup'), ...ofType(t, 'AWS::ECS::Service'), ...serverInstances(t)].map(([id]) => id);
}

/** A web tier's size range: its Auto Scaling group's, its Fargate service's scalable target, or 1 for an instance. */
export function capacityOf(t: CfnTemplate, id: string): { min: number; max: number } {
  const r = t.Resources[id];
  if (r.Type === 'AWS::AutoScaling::AutoScalingGroup') return { min: Number(r.Properties.MinSize), max: Number(r.Properties.MaxSize) };
  if (r.Type === 'AWS::ECS::Service') {
    const target = ofType(t, 'AWS::ApplicationAutoScaling::ScalableTarget').find(([, s]) => referencedIds(s.Properties.ResourceId).has(id));
    return target
      ? { min: target[1].Properties.MinCapacity, max: target[1].Properties.MaxCapacity }
      : { min: r.Properties.DesiredCount ?? 1, max: r.Properties.DesiredCount ?? 1 };
  }
  return { min: 1, max: 1 };
}

const range = ({ min, max }: { min: number; max: number }) => (min === max ? `${min}` : `${min}–${max}`);

/** The size of one web server: its instance type, or its Fargate task size. */
function serverSize(t: CfnTemplate, id: string): string {
  const r = t.Resources[id];
  if (r.Type === 'AWS::EC2::Instance') return r.Properties.InstanceType;
  if (r.Type === 'AWS::AutoScaling::AutoScalingGroup') return launchTemplateOf(t, id).instanceTypes.join(' or ');
  const task = t.Resources[refId(r.Properties.TaskDefinition)!].Properties;
  return `${Number(task.Cpu) / 1024} vCPU / ${Number(task.Memory) / 1024} GiB task`;
}

/** A cluster's Serverless v2 capacity range, as ` 0.5–4 ACU`. */
function serverlessCapacity(cluster: CfnResource): string {
  const scaling = cluster.Properties?.ServerlessV2ScalingConfiguration;
  return scaling ? ` ${range({ min: scaling.MinCapacity, max: scaling.MaxCapacity })} ACU` : '';
}

/**
 * Services that run on the host itself (stage 1's database and cache): its install script runs them
 * when its user data says `ZTM_LOCAL_DATA=true`, and the service's environment points at them.
 */
export function colocatedServices(t: CfnTemplate, id: string): string[] {
  const script = userDataText(t.Resources[id].Properties?.UserData);
  if (!/^ZTM_LOCAL_DATA=true$/m.test(script)) return [];
  return [
    ...(/^DATA_STORE=postgresql-local$/m.test(script) ? ['PostgreSQL'] : []),
    ...(/^CACHE_URL=rediss?:\/\/127\.0\.0\.1[:/]/m.test(script) ? ['Valkey'] : []),
  ];
}

/** The WAF mode of a web ACL: `block`, or `count` when no rule blocks. */
function wafMode(acl: any): string {
  return JSON.stringify(acl.Rules ?? []).includes('"Block"') || JSON.stringify(acl.Rules ?? []).includes('"None"') ? 'block' : 'count';
}

/** How a behavior caches: by the origin's headers, not at all, or by the managed optimized policy. */
function cachingOf(t: CfnTemplate, policy: unknown): string {
  if (policy === CACHING_DISABLED) return ' not cached';
  if (policy === CACHING_OPTIMIZED) return ' cached';
  const config = t.Resources[refId(policy) ?? '']?.Properties?.CachePolicyConfig;
  return config && config.DefaultTTL === 0 ? ' cached as the origin says' : ' cached';
}
/** CloudFront's managed cache policies, by id. */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';

function requestPath(t: CfnTemplate): StageFacts['requestPath'] {
  const nodes: PathNode[] = [{ id: 'client', label: 'Clients (web, mobile)' }];
  const edges: PathEdge[] = [];
  const add = (node: PathNode) => nodes.some((n) => n.id === node.id) || nodes.push(node);

  /** A load balancer reached from `from` (the record, or the CDN), and the web tier behind it. */
  function behindLoadBalancer(balancerId: string, from: string, how: string): void {
    const seen = nodes.some((n) => n.id === balancerId);
    const listeners = ofType(t, 'AWS::ElasticLoadBalancingV2::Listener').filter(
      ([, l]) => refId(l.Properties.LoadBalancerArn) === balancerId,
    );
    const ports = listeners.map(([, l]) => `${l.Properties.Protocol} :${l.Properties.Port}`).join(', ');
    const internal = t.Resources[balancerId].Properties.Scheme === 'internal';
    add({ id: balancerId, label: `${internal ? 'Internal ' : ''}Application Load Balancer (${ports})` });
    edges.push({ from, to: balancerId, label: `${how}; ${ports}` });
    if (seen) return;
    const targetGroups = new Set(
      listeners.flatMap(([, l]) => (l.Properties.DefaultActions ?? []).map((a: any) => refId(a.TargetGroupArn)).filter(Boolean)),
    );
    for (const webId of webTierIds(t)) {
      const web = t.Resources[webId];
      const groups =
        web.Type === 'AWS::ECS::Service'
          ? (web.Properties.LoadBalancers ?? []).map((l: any) => refId(l.TargetGroupArn))
          : (web.Properties.TargetGroupARNs ?? []).map(refId);
      const served = groups.filter((g: string) => targetGroups.has(g));
      if (served.length === 0) continue;
      const kind = web.Type === 'AWS::ECS::Service' ? 'Fargate service' : 'Auto Scaling group';
      add({ id: webId, label: `${kind}: ${range(capacityOf(t, webId))} × ${serverSize(t, webId)}` });
      // The protocol and port the target group forwards to: the host's 80, or the container's 8080.
      const forwards = served.map((g: string) => `${t.Resources[g].Properties.Protocol} :${t.Resources[g].Properties.Port}`);
      edges.push({ from: balancerId, to: webId, label: [...new Set(forwards)].join(', ') });
    }
  }

  /** The CDN and its origins: the load balancer through a VPC origin, the page's bucket. */
  function behindDistribution(distributionId: string, from: string): void {
    const config = t.Resources[distributionId].Properties.DistributionConfig;
    const acl = t.Resources[refId(config.WebACLId) ?? '']?.Properties;
    const firewall = acl ? `, firewall in ${wafMode(acl)} mode` : config.WebACLId ? ', firewall' : ', no firewall';
    const seen = nodes.some((n) => n.id === distributionId);
    add({ id: distributionId, label: `CloudFront (${config.PriceClass ?? 'PriceClass_All'}${firewall})` });
    edges.push({ from, to: distributionId, label: 'alias; HTTPS :443, HTTP redirects' });
    if (seen) return;
    const behaviors = [config.DefaultCacheBehavior, ...(config.CacheBehaviors ?? [])];
    for (const origin of config.Origins ?? []) {
      const paths = behaviors
        .filter((b: any) => b.TargetOriginId === origin.Id)
        .map((b: any) => `${b.PathPattern ?? 'the rest'}${cachingOf(t, b.CachePolicyId)}`)
        .join(', ');
      const vpcOrigin = t.Resources[refId(origin.VpcOriginConfig?.VpcOriginId) ?? ''];
      if (vpcOrigin) {
        const endpoint = vpcOrigin.Properties.VpcOriginEndpointConfig;
        behindLoadBalancer(refId(endpoint.Arn)!, distributionId, `VPC origin (${paths})`);
      } else if (origin.S3OriginConfig) {
        const bucket = [...referencedIds(origin.DomainName)].find((id) => t.Resources[id]?.Type === 'AWS::S3::Bucket') ?? origin.Id;
        add({ id: bucket, label: `S3 bucket, private${origin.OriginAccessControlId ? ', origin access control' : ''}: the static page` });
        edges.push({ from: distributionId, to: bucket, label: paths });
      }
    }
  }

  // The published records: weighted (load-balanced stages, the CDN) or a plain IP (the single server);
  // for a CDN stage that does not carry the API name (weight 0), its own name's aliases to its distribution.
  const records = ofType(t, 'AWS::Route53::RecordSet');
  const published = records.filter(([, r]) => r.Properties.SetIdentifier !== undefined || r.Properties.ResourceRecords);
  const ownNames = records.filter(([, r]) =>
    [...referencedIds(r.Properties.AliasTarget ?? {})].some((id) => t.Resources[id]?.Type === 'AWS::CloudFront::Distribution'),
  );
  for (const [recordId, record] of published.length > 0 ? published : ownNames) {
    add({
      id: recordId,
      label: `Route 53 ${record.Properties.Name.replace(/\.$/, '')} (${record.Properties.Weight === undefined ? '' : 'weighted '}${record.Properties.Type})`,
    });
    edges.push({ from: 'client', to: recordId, label: 'resolve' });
    const aliased = [...referencedIds(record.Properties.AliasTarget ?? {})];
    const aliasOf = (type: string) => aliased.find((id) => t.Resources[id]?.Type === type);
    const distribution = aliasOf('AWS::CloudFront::Distribution');
    const balancer = aliasOf('AWS::ElasticLoadBalancingV2::LoadBalancer');
    if (distribution) behindDistribution(distribution, recordId);
    if (balancer) behindLoadBalancer(balancer, recordId, 'alias');
    for (const eipId of (record.Properties.ResourceRecords ?? []).map(refId).filter(Boolean) as string[]) {
      const instanceId = refId(t.Resources[eipId]?.Properties?.InstanceId);
      if (!instanceId) continue;
      const colocated = colocatedServices(t, instanceId);
      add({
        id: instanceId,
        label: `EC2 instance ${serverSize(t, instanceId)}${colocated.length ? `, with ${colocated.join(' and ')} on it` : ''}`,
      });
      edges.push({ from: recordId, to: instanceId, label: 'Elastic IP; HTTP :80' });
    }
  }

  // Web tier to data: a database whose security group admits it, or a table its role may use.
  const rules = ingressRules(t);
  for (const webId of webTierIds(t).filter((id) => nodes.some((n) => n.id === id))) {
    const webGroups = groupsOf(t, webId);
    for (const [clusterId, cluster] of ofType(t, 'AWS::RDS::DBCluster')) {
      const rule = rules.find(
        (r) => (cluster.Properties.VpcSecurityGroupIds ?? []).map(refId).includes(r.group) && webGroups.includes(r.from),
      );
      if (!rule) continue;
      const { writer, readers, zoneOf } = clusterInstances(t, clusterId);
      const capacity = serverlessCapacity(cluster);
      add({
        id: `${clusterId}Writer`,
        label: `Aurora ${cluster.Properties.Engine} writer${capacity}, ${writer ? zoneOf(writer) : 'no writer'}`,
      });
      edges.push({ from: webId, to: `${clusterId}Writer`, label: `writes :${rule.fromPort} (cluster endpoint)` });
      if (readers.length > 0) {
        add({
          id: `${clusterId}Readers`,
          label: `${readers.length} Aurora reader${readers.length === 1 ? '' : 's'}${capacity}, ${[...new Set(readers.map(zoneOf))].join(', ')}`,
        });
        edges.push({ from: webId, to: `${clusterId}Readers`, label: `reads :${rule.fromPort} (reader endpoint)` });
        edges.push({ from: `${clusterId}Writer`, to: `${clusterId}Readers`, label: 'replicates; failover promotes a reader' });
      }
    }
    for (const [dbId, db] of ofType(t, 'AWS::RDS::DBInstance').filter(([, r]) => !r.Properties.DBClusterIdentifier)) {
      const dbGroups = (db.Properties.VPCSecurityGroups ?? []).map(refId);
      const rule = rules.find((r) => dbGroups.includes(r.group) && webGroups.includes(r.from));
      if (!rule) continue;
      add({
        id: dbId,
        label: `RDS ${db.Properties.Engine} ${db.Properties.DBInstanceClass}${db.Properties.MultiAZ ? ' Multi-AZ' : ', one zone'}`,
      });
      edges.push({ from: webId, to: dbId, label: `:${rule.fromPort}` });
    }
    const roles = new Set(rolesOf(t, webId));
    const policies = ofType(t, 'AWS::IAM::Policy').filter(([, p]) =>
      (p.Properties.Roles ?? []).some((r: unknown) => roles.has(refId(r) ?? '')),
    );
    for (const [tableId, table] of ofType(t, 'AWS::DynamoDB::Table')) {
      if (!policies.some(([, p]) => referencedIds(p.Properties.PolicyDocument).has(tableId))) continue;
      const ttl = table.Properties.TimeToLiveSpecification;
      const sessions = ttl?.Enabled === true;
      add({
        id: tableId,
        label: `DynamoDB table (${table.Properties.BillingMode === 'PAY_PER_REQUEST' ? 'on demand' : 'provisioned'}${sessions ? `): sessions, expired by ${ttl.AttributeName}` : ')'}`,
      });
      edges.push({ from: webId, to: tableId, label: sessions ? 'IAM: session calls' : 'IAM: item calls' });
    }
    for (const [cacheId, cache] of ofType(t, 'AWS::ElastiCache::ServerlessCache')) {
      const rule = rules.find((r) => (cache.Properties.SecurityGroupIds ?? []).map(refId).includes(r.group) && webGroups.includes(r.from));
      if (!rule) continue;
      add({
        id: cacheId,
        label: `ElastiCache Serverless ${cache.Properties.Engine} ${cache.Properties.MajorEngineVersion}, ${cacheZones(t, cacheId)} zones`,
      });
      const uses = sessionStoreOf(t) === 'cache' ? 'cache-aside and sessions' : 'cache-aside';
      edges.push({ from: webId, to: cacheId, label: `${uses} :${rule.fromPort}, TLS, authenticated` });
    }
  }
  return { nodes, edges };
}

/** How a web tier mixes on-demand and Spot capacity, in words; undefined when it is all on demand. */
function spotMix(t: CfnTemplate, id: string): string | undefined {
  const r = t.Resources[id];
  const distribution = r.Properties.MixedInstancesPolicy?.InstancesDistribution;
  if (distribution && (distribution.OnDemandPercentageAboveBaseCapacity ?? 100) < 100) {
    const types = launchTemplateOf(t, id).instanceTypes;
    return `${distribution.OnDemandBaseCapacity ?? 0} on demand, then ${100 - distribution.OnDemandPercentageAboveBaseCapacity} % Spot (${distribution.SpotAllocationStrategy}) across ${types.length} type${types.length === 1 ? '' : 's'} (${types.join(', ')})${r.Properties.CapacityRebalance ? ', replaced ahead of interruption (capacity rebalancing)' : ''}`;
  }
  const strategy: any[] = r.Properties.CapacityProviderStrategy ?? [];
  const spot = strategy.find((s) => s.CapacityProvider === 'FARGATE_SPOT' && s.Weight > 0);
  if (!spot) return undefined;
  const fargate = strategy.find((s) => s.CapacityProvider === 'FARGATE');
  const weights = (fargate?.Weight ?? 0) + spot.Weight;
  return `${fargate?.Base ?? 0} on Fargate, then ${Math.round((100 * spot.Weight) / weights)} % on Fargate Spot`;
}

/** How many zones a serverless cache's subnets span. */
const cacheZones = (t: CfnTemplate, id: string) =>
  new Set((t.Resources[id].Properties.SubnetIds ?? []).map((s: unknown) => subnetZone(t, s))).size;

/** What still fails alone, named with the resource that causes it. */
export function singlePointsOfFailure(t: CfnTemplate): SinglePointOfFailure[] {
  const found: SinglePointOfFailure[] = [];
  for (const [id] of serverInstances(t)) {
    const colocated = colocatedServices(t, id);
    found.push({
      resource: id,
      what: colocated.length
        ? `single server: the web app, ${colocated.join(' and ')} fail together`
        : 'single web server: one instance serves every request',
    });
  }
  for (const id of webTierIds(t).filter((i) => t.Resources[i].Type !== 'AWS::EC2::Instance')) {
    if (capacityOf(t, id).min < 2) found.push({ resource: id, what: 'web tier may shrink to one server' });
  }
  for (const [id, r] of ofType(t, 'AWS::RDS::DBInstance').filter(([, i]) => !i.Properties.DBClusterIdentifier))
    if (r.Properties.MultiAZ !== true) found.push({ resource: id, what: 'database in one zone' });
  for (const [id] of ofType(t, 'AWS::RDS::DBCluster')) {
    const { writer, readers, zoneOf } = clusterInstances(t, id);
    // A cluster survives its writer, or the writer's zone, only with a reader elsewhere to promote.
    if (!writer || !readers.some((r) => zoneOf(r) !== zoneOf(writer)))
      found.push({ resource: id, what: 'database writer with no reader in another zone to fail over to' });
  }
  for (const [id, r] of ofType(t, 'AWS::Route53::RecordSet')) {
    if ((r.Properties.ResourceRecords ?? []).length === 1) found.push({ resource: id, what: 'record points at one IP address' });
  }
  for (const [id] of ofType(t, 'AWS::ElastiCache::ServerlessCache')) {
    if (cacheZones(t, id) < 2) found.push({ resource: id, what: 'cache in one zone' });
  }
  const gateways = ofType(t, 'AWS::EC2::NatGateway');
  const instances = natInstances(t);
  const nats = [...gateways, ...instances];
  const zones = privateZones(t);
  if (nats.length > 0 && nats.length < zones.size) {
    found.push({
      resource: nats[0][0],
      what: `egress of ${zones.size} zones through ${nats.length} NAT ${gateways.length > 0 ? 'gateway' : 'instance'}${nats.length === 1 ? '' : 's'}`,
    });
  }
  // A NAT gateway is redundant within its zone; a NAT instance is one instance.
  for (const [id] of instances) found.push({ resource: id, what: 'egress through one NAT instance, with no standby' });
  return found;
}

/** The zones whose private subnets send their egress to this NAT instance. */
function zonesServedBy(t: CfnTemplate, natId: string): string[] {
  const tables = new Set(
    ofType(t, 'AWS::EC2::Route')
      .filter(([, r]) => refId(r.Properties.InstanceId) === natId)
      .map(([, r]) => refId(r.Properties.RouteTableId)),
  );
  const subnets = ofType(t, 'AWS::EC2::SubnetRouteTableAssociation')
    .filter(([, a]) => tables.has(refId(a.Properties.RouteTableId)))
    .map(([, a]) => a.Properties.SubnetId);
  return [...new Set(subnets.map((s) => subnetZone(t, s)))].sort();
}

/** What burstable sizes sustain, in Gbit/s (t3, t3a and t4g alike); each bursts to 5 while its network credits last. */
const BURSTABLE_BASELINE_GBPS: Record<string, number> = {
  nano: 0.032,
  micro: 0.064,
  small: 0.128,
  medium: 0.256,
  large: 0.512,
  xlarge: 1.024,
  '2xlarge': 2.048,
};

/** The bandwidth a NAT instance of this type has, in words. */
function natBandwidth(instanceType: string): string {
  const [family, size] = instanceType.split('.');
  const baseline = /^t\d/.test(family) ? BURSTABLE_BASELINE_GBPS[size] : undefined;
  // EC2 limits traffic through an internet gateway to 5 Gbit/s for instances of fewer than 32 vCPUs.
  return baseline === undefined
    ? `its type's, at most 5 Gbit/s to the internet`
    : `${baseline * 1000} Mbit/s sustained, bursts to 5 Gbit/s while its network credits last`;
}

/** The alarm that reboots a NAT instance, in words: after how many minutes of failed status checks. */
function rebootAlarm(t: CfnTemplate, natId: string): string | undefined {
  const alarm = rebootAlarmOf(t, natId)?.[1].Properties;
  return alarm && `an alarm reboots it after ${(alarm.EvaluationPeriods * alarm.Period) / 60} minutes of failed instance status checks`;
}

/** What a NAT instance's failure costs its zones, what brings it back, and its bandwidth. */
function natInstanceDegradation(t: CfnTemplate, id: string, nat: CfnResource): string {
  const zones = zonesServedBy(t, id);
  const reboot = rebootAlarm(t, id);
  const has = (type: string) => ofType(t, type).length > 0;
  const lost = [
    ...(has('AWS::AutoScaling::AutoScalingGroup')
      ? ['a new instance there cannot install the app and signal', 'Session Manager cannot reach its instances']
      : []),
    ...(has('AWS::ECS::Service') ? ['a new task there cannot pull its image', 'its tasks cannot send their logs'] : []),
    ...(has('AWS::SecretsManager::Secret')
      ? ['a server there cannot read a secret again (for its next new database or cache connection)']
      : []),
  ];
  return [
    `${id} (NAT instance ${nat.Properties.InstanceType}) fails: the servers of ${zones.join(' and ') || 'no zone'} keep serving what the load balancer brings them (the data tier and the cache are in the VPC, S3 and DynamoDB behind gateway endpoints), but lose the internet${lost.length ? `: ${lost.join('; ')}` : ''}.`,
    `EC2 moves it to other hardware when its host fails (simplified automatic recovery keeps its id and addresses, so the routes still hold)${reboot ? `; ${reboot}` : ''}; nothing else replaces it.`,
    `Its bandwidth: ${natBandwidth(nat.Properties.InstanceType)}.`,
  ].join(' ');
}

function scaling(t: CfnTemplate): StageFacts['scaling'] {
  const vertical: string[] = [];
  const horizontal: string[] = [];
  const saturation: string[] = [];
  for (const id of webTierIds(t)) {
    const size = serverSize(t, id);
    vertical.push(`web server ${size}`);
    const capacity = capacityOf(t, id);
    if (t.Resources[id].Type === 'AWS::EC2::Instance') {
      horizontal.push('web tier: none (one instance)');
      saturation.push(
        `web server saturates: requests queue and time out; the only remedy is a bigger instanceType, applied by stopping the instance`,
      );
      continue;
    }
    const policies = [...ofType(t, 'AWS::AutoScaling::ScalingPolicy'), ...ofType(t, 'AWS::ApplicationAutoScaling::ScalingPolicy')]
      .filter(
        ([, p]) =>
          referencedIds(p.Properties).has(id) ||
          referencedIds(t.Resources[refId(p.Properties.ScalingTargetId) ?? '']?.Properties?.ResourceId).has(id),
      )
      .map(([, p]) => {
        const config = p.Properties.TargetTrackingConfiguration ?? p.Properties.TargetTrackingScalingPolicyConfiguration;
        return `${config.PredefinedMetricSpecification.PredefinedMetricType} at ${config.TargetValue}`;
      });
    horizontal.push(`web tier: ${range(capacity)} servers, target tracking on ${policies.join(' and ') || 'nothing'}`);
    const spot = spotMix(t, id);
    if (spot) horizontal.push(`web capacity: ${spot}`);
    saturation.push(
      `web tier saturates: it adds servers up to ${capacity.max}; beyond that, or when the data tier saturates first, latency rises`,
    );
  }
  for (const [id, cluster] of ofType(t, 'AWS::RDS::DBCluster')) {
    const { readers } = clusterInstances(t, id);
    vertical.push(`database instances${serverlessCapacity(cluster)}, Aurora storage grows by itself`);
    horizontal.push(
      `reads: ${readers.length} reader${readers.length === 1 ? '' : 's'} behind the reader endpoint (readReplicas adds more, up to 15)`,
    );
    saturation.push(
      "database saturates: writes at the writer's maximum capacity; reads spread over the readers; connections are capped by the maximum capacity",
    );
  }
  for (const [, db] of ofType(t, 'AWS::RDS::DBInstance').filter(([, r]) => !r.Properties.DBClusterIdentifier)) {
    vertical.push(
      `database ${db.Properties.DBInstanceClass}, ${db.Properties.AllocatedStorage} GiB ${db.Properties.StorageType ?? ''}`.trim(),
    );
    saturation.push(`database saturates: one instance takes every read and write; a bigger class is a modification with a restart`);
  }
  for (const [, cache] of ofType(t, 'AWS::ElastiCache::ServerlessCache')) {
    const limits = cache.Properties.CacheUsageLimits ?? {};
    horizontal.push(
      `cache: serverless, scales by itself up to ${limits.DataStorage?.Maximum ?? 'unlimited'} ${limits.DataStorage?.Unit ?? ''} and ${limits.ECPUPerSecond?.Maximum ?? 'unlimited'} ECPU/s`.replace(
        /\s+/g,
        ' ',
      ),
    );
    saturation.push(
      'cache saturates at its ECPU limit: it throttles, and the service reads from the data tier instead; at its storage limit it evicts the least recently used items',
    );
  }
  for (const [, distribution] of ofType(t, 'AWS::CloudFront::Distribution')) {
    horizontal.push(
      `edge: CloudFront scales by itself (${distribution.Properties.DistributionConfig.PriceClass ?? 'PriceClass_All'}); what it caches never reaches the region`,
    );
  }
  for (const [, acl] of ofType(t, 'AWS::WAFv2::WebACL')) {
    const rate = (acl.Properties.Rules ?? []).find((r: any) => r.Statement?.RateBasedStatement)?.Statement.RateBasedStatement;
    if (rate)
      saturation.push(
        `one client address over ${rate.Limit} requests in ${(rate.EvaluationWindowSec ?? 300) / 60} minutes is ${wafMode(acl.Properties) === 'block' ? 'answered 429 at the edge' : 'counted (count mode)'}`,
      );
  }
  for (const [, table] of ofType(t, 'AWS::DynamoDB::Table')) {
    if (table.Properties.BillingMode === 'PAY_PER_REQUEST') {
      horizontal.push('data: DynamoDB on demand scales with traffic');
      saturation.push('table saturates: on-demand throughput follows traffic; sudden jumps past twice the previous peak may throttle');
    }
  }
  return { vertical, horizontal, saturation };
}

function availability(t: CfnTemplate): StageFacts['availability'] {
  const subnetsUsed = [
    ...ofType(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer').flatMap(([, r]) => r.Properties.Subnets ?? []),
    ...ofType(t, 'AWS::AutoScaling::AutoScalingGroup').flatMap(([, r]) => r.Properties.VPCZoneIdentifier ?? []),
    ...ofType(t, 'AWS::ECS::Service').flatMap(([, r]) => r.Properties.NetworkConfiguration?.AwsvpcConfiguration?.Subnets ?? []),
    ...serverInstances(t).map(([, r]) => r.Properties.SubnetId),
    ...ofType(t, 'AWS::ElastiCache::ServerlessCache').flatMap(([, r]) => r.Properties.SubnetIds ?? []),
  ];
  const zones = [
    ...new Set([...subnetsUsed.map((s) => subnetZone(t, s)), ...serverInstances(t).map(([, r]) => r.Properties.AvailabilityZone)]),
  ]
    .filter((z) => z && z !== 'unknown')
    .sort();
  const healthChecks = [
    ...ofType(t, 'AWS::ElasticLoadBalancingV2::TargetGroup').map(
      ([, g]) =>
        `load balancer checks ${g.Properties.HealthCheckPath} every ${g.Properties.HealthCheckIntervalSeconds} s (out after ${g.Properties.UnhealthyThresholdCount} failures)`,
    ),
    ...ofType(t, 'AWS::AutoScaling::AutoScalingGroup').map(
      ([, g]) => `Auto Scaling replaces instances failing the ${g.Properties.HealthCheckType} health check`,
    ),
    ...ofType(t, 'AWS::ECS::Service').map(() => 'ECS replaces tasks failing the load balancer health check'),
    ...ofType(t, 'AWS::Route53::RecordSet')
      .filter(([, r]) => r.Properties.AliasTarget?.EvaluateTargetHealth)
      .map(() => 'Route 53 evaluates the load balancer health'),
    ...serverInstances(t).map(() => 'none replaces the instance: EC2 status checks only report'),
    ...ofType(t, 'AWS::RDS::DBCluster').map(
      ([id]) =>
        `Aurora promotes a reader when the writer fails (${clusterInstances(t, id).readers.length} failover target(s)); the cluster endpoint follows it`,
    ),
  ];
  const backups = [
    ...[...ofType(t, 'AWS::RDS::DBInstance').filter(([, r]) => !r.Properties.DBClusterIdentifier), ...ofType(t, 'AWS::RDS::DBCluster')].map(
      ([id, r]) =>
        `${id}: ${r.Properties.BackupRetentionPeriod} days of automated backups${r.DeletionPolicy === 'Snapshot' ? ', snapshot on delete' : ''}`,
    ),
    ...ofType(t, 'AWS::DynamoDB::Table').map(
      ([id, r]) =>
        `${id}: point-in-time recovery ${r.Properties.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled ? 'on' : 'off'}${r.DeletionPolicy === 'Retain' ? ', kept on delete' : ''}`,
    ),
    ...serverInstances(t)
      .filter(([id]) => colocatedServices(t, id).length > 0)
      .map(([id]) => `${id}: the database lives on the instance's root volume; no automated backup`),
  ];
  const deletionProtection = [
    ...[...ofType(t, 'AWS::RDS::DBInstance').filter(([, r]) => !r.Properties.DBClusterIdentifier), ...ofType(t, 'AWS::RDS::DBCluster')].map(
      ([id, r]) => `${id}: ${r.Properties.DeletionProtection ? 'on' : 'off'}`,
    ),
    ...ofType(t, 'AWS::DynamoDB::Table').map(([id, r]) => `${id}: ${r.Properties.DeletionProtectionEnabled ? 'on' : 'off'}`),
    ...serverInstances(t)
      .filter(([id]) => colocatedServices(t, id).length > 0)
      .map(
        ([id, r]) =>
          `${id}: ${r.DeletionPolicy === 'RetainExceptOnCreate' ? 'kept when the stack is deleted or the instance replaced' : 'off'}`,
      ),
  ];
  const sessions = sessionStoreOf(t);
  const degradation = [
    ...webTierIds(t)
      .filter((id) => t.Resources[id].Type !== 'AWS::EC2::Instance')
      .map((id) =>
        sessions === 'memory'
          ? `${id} loses a server (failure, scale-in): the sessions in its memory go with it; its clients start over on another server`
          : `${id} loses a server (failure, scale-in${spotMix(t, id) ? ', Spot taken back' : ''}): it drains its requests and nothing else is lost; sessions live in the ${sessions === 'cache' ? 'managed cache' : 'DynamoDB session table'}`,
      ),
    ...ofType(t, 'AWS::ElastiCache::ServerlessCache').map(
      ([id]) =>
        `${id} fails or slows: each read gives it a few milliseconds, then goes to the data tier; after repeated failures the service stops asking for a while (a breaker). Reads are slower and the database takes them all; nothing is lost (the cache holds only copies), and it refills on misses once back. It replicates across ${cacheZones(t, id)} zones and fails over by itself.`,
    ),
    ...ofType(t, 'AWS::CloudFront::Distribution').map(
      ([id]) =>
        `${id}: when the origin fails, what the edge already holds (items, the page) is still served until it expires; everything else answers 502/504 at the edge.`,
    ),
    ...natInstances(t).map(([id, r]) => natInstanceDegradation(t, id, r)),
  ];
  return { zones, healthChecks, backups, deletionProtection, degradation };
}

function exposure(t: CfnTemplate): string[] {
  const attachedTo = (group: string) =>
    Object.entries(t.Resources)
      .filter(
        ([, r]: [string, CfnResource]) =>
          ['AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::EC2::Instance'].includes(r.Type) &&
          referencedIds(r.Properties?.SecurityGroups ?? r.Properties?.SecurityGroupIds).has(group),
      )
      .map(([id, r]) => `${r.Type === 'AWS::EC2::Instance' ? 'EC2 instance' : 'load balancer'} ${id}`);
  const open = ingressRules(t).filter((r) => r.from === '0.0.0.0/0' || r.from === '::/0');
  const byGroup = new Map<string, number[]>();
  for (const rule of open) byGroup.set(rule.group, [...(byGroup.get(rule.group) ?? []), rule.fromPort]);
  return [
    ...ofType(t, 'AWS::CloudFront::Distribution').map(([id, r]) => {
      const config = r.Properties.DistributionConfig;
      const acl = t.Resources[refId(config.WebACLId) ?? '']?.Properties;
      return `CloudFront distribution ${id} accepts the internet on 80, 443 (80 redirects to HTTPS)${acl ? `, behind its firewall in ${wafMode(acl)} mode` : ''}`;
    }),
    ...[...byGroup.entries()].map(
      ([group, ports]) =>
        `${attachedTo(group).join(', ') || group} accepts the internet on ${[...new Set(ports)].sort((a, b) => a - b).join(', ')}`,
    ),
  ];
}

export function analyseStage(stack: string, t: CfnTemplate): StageFacts {
  const resourcesByService: Record<string, number> = {};
  for (const r of Object.values(t.Resources)) resourcesByService[serviceOf(r.Type)] = (resourcesByService[serviceOf(r.Type)] ?? 0) + 1;
  const web = webTierIds(t);
  return {
    stack,
    resourceCount: Object.keys(t.Resources).length,
    resourcesByService,
    requestPath: requestPath(t),
    singlePointsOfFailure: singlePointsOfFailure(t),
    scaling: scaling(t),
    availability: availability(t),
    exposure: exposure(t),
    webServers: web.length === 0 ? '0' : range(capacityOf(t, web[0])),
    sessions: sessionStoreOf(t),
    spot: web.map((id) => spotMix(t, id)).find((s) => s !== undefined),
  };
}
