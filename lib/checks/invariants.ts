/**
 * What must hold for every configuration the app accepts, written once as properties of a
 * synthesized template. Each invariant returns the violations it finds, in words; none means it
 * holds. They read only the template (and the stage and configuration it carries in its Metadata),
 * so they apply to any stage and any option, and `cdk synth` enforces them for any configuration
 * through the invariants plugin (./invariants-plugin.ts).
 */
import { webTierIds } from '../compare/analyse';
import type { Config, StageNumber } from '../config';
import { SESSION_TTL_ATTRIBUTE } from '../data-contract';
import { CLOUDFRONT_ORIGIN_FACING } from '../edge-contract';
import {
  type CfnTemplate,
  CONFIGURATION_METADATA,
  groupsOf,
  ingressRules,
  isNatInstance,
  natInstances,
  ofType,
  privateZones,
  rebootAlarmOf,
  referencedIds,
  refId,
  STAGE_METADATA,
  serverInstances,
  subnetTier,
  subnetZone,
  userDataText,
  webAppSettings,
} from '../template';

/** The configuration a stage template carries: all of it but `stages`. */
export type StageConfig = Omit<Config, 'stages'>;

export interface Subject {
  readonly stage: StageNumber;
  readonly config: StageConfig;
  readonly template: CfnTemplate;
}

/** The stage and configuration a synthesized stage template carries, with the template. */
export function subjectOf(template: CfnTemplate): Subject | undefined {
  const stage = template.Metadata?.[STAGE_METADATA] as StageNumber | undefined;
  const config = template.Metadata?.[CONFIGURATION_METADATA] as StageConfig | undefined;
  return stage === undefined || config === undefined ? undefined : { stage, config, template };
}

export interface Violation {
  /** The logical id of the resource at fault, when there is one. */
  readonly resource?: string;
  readonly message: string;
}

export interface Invariant {
  /** A short stable id, as the validation report shows it (`ZTM-1`). */
  readonly id: string;
  readonly name: string;
  check(subject: Subject): Violation[];
}

const at = (resource: string, message: string): Violation => ({ resource, message: `${resource} ${message}` });
const INTERNET = new Set(['0.0.0.0/0', '::/0']);

/** The security groups of whatever faces the internet: the load balancer, or the single web server. */
function frontDoorGroups(t: CfnTemplate): Set<string> {
  const balancers = ofType(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
  if (balancers.length > 0) return new Set(balancers.flatMap(([, r]) => (r.Properties.SecurityGroups ?? []).map(refId)));
  return new Set(serverInstances(t).flatMap(([id]) => groupsOf(t, id)));
}

/** The security groups of the web tier: the single server, the Auto Scaling group, or the Fargate service. */
const webTierGroups = (t: CfnTemplate) => new Set(webTierIds(t).flatMap((id) => groupsOf(t, id)));

/** Every string in a JSON value, with the path to it. */
function* strings(value: unknown, path = ''): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, `${path}[${i}]`);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* strings(v, path ? `${path}.${k}` : k);
}

/** The values of every object key that matches `key`, anywhere in a JSON value, with their paths (no generators: templates are large). */
function valuesOfKeys(value: unknown, key: RegExp, path = '', found: [string, string, unknown][] = []): [string, string, unknown][] {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) valuesOfKeys(v, key, `${path}[${i}]`, found);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (key.test(k)) found.push([path, k, v]);
      valuesOfKeys(v, key, path ? `${path}.${k}` : k, found);
    }
  }
  return found;
}

const CREDENTIAL = /AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----/;

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET(?!_ARN)|API_KEY|ACCESS_KEY|PRIVATE_KEY|TOKEN(?!_TTL))/i;

/**
 * What holds a relational database's data: RDS instances of their own, and Aurora clusters (whose
 * instances are compute over the cluster's storage).
 */
const databases = (t: CfnTemplate) => [
  ...ofType(t, 'AWS::RDS::DBInstance').filter(([, r]) => !r.Properties.DBClusterIdentifier),
  ...ofType(t, 'AWS::RDS::DBCluster'),
];

/**
 * A table that holds only sessions (stage 6 with `dynamodb`): DynamoDB expires its items by
 * `expiresAt`. Sessions are not the business's data, so the rules for data do not bind it.
 */
const isSessionTable = (r: { Properties?: any }) =>
  r.Properties?.TimeToLiveSpecification?.Enabled === true && r.Properties.TimeToLiveSpecification.AttributeName === SESSION_TTL_ATTRIBUTE;
/** The tables that hold the business's data. */
const dataTables = (t: CfnTemplate) => ofType(t, 'AWS::DynamoDB::Table').filter(([, r]) => !isSessionTable(r));

/** Launch settings of every host: instances and launch templates, as [id, settings]. */
const hostSettings = (t: CfnTemplate): [string, any][] => [
  ...ofType(t, 'AWS::EC2::Instance').map(([id, r]): [string, any] => [id, r.Properties]),
  ...ofType(t, 'AWS::EC2::LaunchTemplate').map(([id, r]): [string, any] => [id, r.Properties.LaunchTemplateData]),
];

export const INVARIANTS: Invariant[] = [
  {
    id: 'ZTM-1',
    name: 'only the front door (load balancer, or the single web server) accepts the internet, and only on 80/443',
    check({ template }) {
      const front = frontDoorGroups(template);
      return ingressRules(template)
        .filter((r) => INTERNET.has(r.from))
        .flatMap((r) => [
          ...(front.has(r.group) ? [] : [at(r.group, `admits ${r.from}, but it is not the front door`)]),
          ...(r.fromPort === r.toPort && (r.fromPort === 80 || r.fromPort === 443)
            ? []
            : [at(r.group, `admits ${r.from} on ${r.fromPort}-${r.toPort}`)]),
        ]);
    },
  },
  {
    id: 'ZTM-2',
    name: 'nothing reaches the data tier but the web tier, on the database port',
    check({ template }) {
      const allowed = webTierGroups(template);
      const all = databases(template);
      const databaseGroups = new Set(
        all.flatMap(([, r]) => (r.Properties.VPCSecurityGroups ?? r.Properties.VpcSecurityGroupIds ?? []).map(refId)),
      );
      const databasePorts = new Set(all.map(([, r]) => Number(r.Properties.Port)));
      return ingressRules(template)
        .filter((r) => databaseGroups.has(r.group))
        .filter((r) => !allowed.has(r.from) || r.fromPort !== r.toPort || !databasePorts.has(r.fromPort))
        .map((r) => at(r.group, `(a database group) admits ${r.from} on ${r.fromPort}-${r.toPort}`));
    },
  },
  {
    id: 'ZTM-3',
    name: 'no SSH: no ingress covers port 22 and no host has a key pair',
    check({ template }) {
      return [
        ...ingressRules(template)
          .filter((r) => r.fromPort <= 22 && r.toPort >= 22)
          .map((r) => at(r.group, `admits ${r.from} on ${r.fromPort}-${r.toPort}`)),
        ...hostSettings(template)
          .filter(([, s]) => s.KeyName)
          .map(([id]) => at(id, 'has a key pair')),
      ];
    },
  },
  {
    id: 'ZTM-4',
    name: 'IMDSv2 is required on every instance and launch template',
    check({ template }) {
      return hostSettings(template)
        .filter(([, s]) => s.MetadataOptions?.HttpTokens !== 'required')
        .map(([id]) => at(id, 'does not require IMDSv2'));
    },
  },
  {
    id: 'ZTM-5',
    name: 'every volume, database, table, secret and bucket is encrypted',
    check({ template }) {
      const volumes = hostSettings(template).flatMap(([id, s]) => (s.BlockDeviceMappings ?? []).map((b: any): [string, any] => [id, b]));
      return [
        ...volumes.filter(([, b]) => b.Ebs && b.Ebs.Encrypted !== true).map(([id, b]) => at(id, `volume ${b.DeviceName} is not encrypted`)),
        ...ofType(template, 'AWS::EC2::Volume')
          .filter(([, r]) => r.Properties.Encrypted !== true)
          .map(([id]) => at(id, 'is not encrypted')),
        ...databases(template)
          .filter(([, r]) => r.Properties.StorageEncrypted !== true)
          .map(([id]) => at(id, 'storage is not encrypted')),
        ...ofType(template, 'AWS::DynamoDB::Table')
          .filter(([, r]) => r.Properties.SSESpecification?.SSEEnabled !== true)
          .map(([id]) => at(id, 'is not KMS-encrypted')),
        // A secret is always encrypted with KMS; what matters is that its value is generated, not written in the template.
        ...ofType(template, 'AWS::SecretsManager::Secret')
          .filter(([, r]) => r.Properties.SecretString !== undefined)
          .map(([id]) => at(id, 'holds a literal value')),
        ...ofType(template, 'AWS::S3::Bucket')
          .filter(([, r]) => !r.Properties.BucketEncryption?.ServerSideEncryptionConfiguration?.length)
          .map(([id]) => at(id, 'has no default encryption')),
      ];
    },
  },
  {
    id: 'ZTM-6',
    name: 'no database is publicly accessible or in a subnet with a route from the internet',
    check({ template }) {
      const subnetsOf = (group: unknown): string[] =>
        (template.Resources[refId(group) ?? '']?.Properties.SubnetIds ?? []).map((s: unknown) => subnetTier(template, s));
      const isolated = (id: string, tiers: string[]) =>
        tiers.length > 0 && tiers.every((tier) => tier === 'Isolated')
          ? []
          : [at(id, `is in ${tiers.join(', ') || 'no isolated'} subnets`)];
      return [
        // A cluster's instances are in its subnet group; each must still not be public.
        ...ofType(template, 'AWS::RDS::DBInstance').flatMap(([id, r]) => [
          ...(r.Properties.PubliclyAccessible === false ? [] : [at(id, 'is publicly accessible')]),
          ...(r.Properties.DBClusterIdentifier ? [] : isolated(id, subnetsOf(r.Properties.DBSubnetGroupName))),
        ]),
        ...ofType(template, 'AWS::RDS::DBCluster').flatMap(([id, r]) => isolated(id, subnetsOf(r.Properties.DBSubnetGroupName))),
      ];
    },
  },
  {
    id: 'ZTM-7',
    name: 'no secret in plain text in the template, user data or container environment',
    check({ template }) {
      const found: Violation[] = [];
      // The whole template as text first: the path of a credential is looked for only when there is one.
      if (CREDENTIAL.test(JSON.stringify(template))) {
        for (const [path, value] of strings(template)) if (CREDENTIAL.test(value)) found.push({ message: `${path} holds a credential` });
      }
      for (const [path, key, value] of valuesOfKeys(template, /pass(word|wd)/i)) {
        if (typeof value === 'boolean' || typeof value === 'number') continue;
        // A password, or a list of them (ElastiCache users), is only ever a Secrets Manager reference.
        for (const [i, one] of (Array.isArray(value) ? value : [value]).entries()) {
          const where = `${path}.${key}${Array.isArray(value) ? `[${i}]` : ''}`;
          if (typeof one === 'string' && !one.startsWith('{{resolve:secretsmanager:')) found.push({ message: `${where} is a literal` });
          else if (typeof one !== 'string' && !JSON.stringify(one).includes('{{resolve:secretsmanager:'))
            found.push({ message: `${where} is not a Secrets Manager reference` });
        }
      }
      for (const [id, settings] of hostSettings(template)) {
        for (const line of userDataText(settings.UserData).split('\n')) {
          const assignment = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
          if (assignment && SECRET_NAME.test(assignment[1]) && !/^\$\{[A-Za-z0-9.]+\}$/.test(assignment[2]))
            found.push(at(id, `user data sets ${assignment[1]}`));
        }
      }
      for (const [id, task] of ofType(template, 'AWS::ECS::TaskDefinition')) {
        for (const container of task.Properties.ContainerDefinitions ?? []) {
          for (const variable of container.Environment ?? []) {
            if (SECRET_NAME.test(variable.Name) && typeof variable.Value === 'string')
              found.push(at(id, `${container.Name} sets ${variable.Name} in plain text`));
          }
        }
      }
      return found;
    },
  },
  {
    id: 'ZTM-8',
    name: 'no stack operation loses data: final snapshot and backups (RDS), point-in-time recovery and retain (DynamoDB)',
    check({ template }) {
      return [
        // A cluster keeps the data; its instances are compute and hold none of their own.
        ...databases(template).flatMap(([id, r]) => [
          ...(r.DeletionPolicy === 'Snapshot' && r.UpdateReplacePolicy === 'Snapshot'
            ? []
            : [at(id, 'is not snapshotted on delete and replace')]),
          ...(Number(r.Properties.BackupRetentionPeriod) >= 1 ? [] : [at(id, 'has no automated backups')]),
        ]),
        ...dataTables(template).flatMap(([id, r]) => [
          ...(r.DeletionPolicy === 'Retain' && r.UpdateReplacePolicy === 'Retain' ? [] : [at(id, 'is not retained on delete and replace')]),
          ...(r.Properties.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled === true
            ? []
            : [at(id, 'has no point-in-time recovery')]),
        ]),
      ];
    },
  },
  {
    id: 'ZTM-9',
    name: 'deletion protection follows the configuration on whatever holds data',
    check({ template, config, stage }) {
      const expected = config.deletionProtection;
      return [
        ...databases(template).filter(([, r]) => r.Properties.DeletionProtection !== expected),
        ...dataTables(template).filter(([, r]) => r.Properties.DeletionProtectionEnabled !== expected),
        // Stage 1's instance holds the database: a stack operation must not delete it (a failed creation still rolls back).
        ...(stage === 1 ? serverInstances(template).filter(([, r]) => (r.DeletionPolicy === 'RetainExceptOnCreate') !== expected) : []),
      ].map(([id]) => at(id, `deletion protection is not ${expected}`));
    },
  },
  {
    id: 'ZTM-10',
    name: 'a load-balanced stage survives the loss of one zone: load balancer and web tier span two zones, health checks replace failed servers',
    check({ template }) {
      if (ofType(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer').length === 0) return [];
      const problems: Violation[] = [];
      const zones = (refs: unknown[] = []) => new Set(refs.map((s) => subnetZone(template, s))).size;
      for (const [id, r] of ofType(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
        if (zones(r.Properties.Subnets) < 2) problems.push(at(id, 'spans fewer than two zones'));
      }
      for (const [id, r] of ofType(template, 'AWS::AutoScaling::AutoScalingGroup')) {
        if (zones(r.Properties.VPCZoneIdentifier) < 2) problems.push(at(id, 'spans fewer than two zones'));
        if (r.Properties.HealthCheckType !== 'ELB')
          problems.push(at(id, 'does not replace instances that fail the load balancer health check'));
        if (Number(r.Properties.MinSize) < 2) problems.push(at(id, 'may shrink to one instance'));
      }
      for (const [id, r] of ofType(template, 'AWS::ECS::Service')) {
        if (zones(r.Properties.NetworkConfiguration?.AwsvpcConfiguration?.Subnets) < 2) problems.push(at(id, 'spans fewer than two zones'));
        if (!r.Properties.LoadBalancers?.length) problems.push(at(id, 'is not behind the load balancer health check'));
      }
      for (const [id, r] of ofType(template, 'AWS::ApplicationAutoScaling::ScalableTarget')) {
        if (r.Properties.MinCapacity < 2) problems.push(at(id, 'may shrink to one task'));
      }
      const tiers = ofType(template, 'AWS::AutoScaling::AutoScalingGroup').length + ofType(template, 'AWS::ECS::Service').length;
      if (tiers !== 1) problems.push({ message: `${tiers} web tiers behind the load balancer; expected one` });
      return problems;
    },
  },
  {
    id: 'ZTM-11',
    name: 'behind a load balancer, web servers are private: private subnets, no public address, no standalone instance',
    check({ template }) {
      if (ofType(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer').length === 0) return [];
      return [
        ...serverInstances(template).map(([id]) => at(id, 'is a standalone instance')),
        ...ofType(template, 'AWS::AutoScaling::AutoScalingGroup').flatMap(([id, r]) =>
          (r.Properties.VPCZoneIdentifier ?? [])
            .filter((s: unknown) => subnetTier(template, s) !== 'Private')
            .map(() => at(id, 'uses a non-private subnet')),
        ),
        ...ofType(template, 'AWS::ECS::Service').flatMap(([id, r]) => {
          const network = r.Properties.NetworkConfiguration?.AwsvpcConfiguration ?? {};
          return [
            ...(network.AssignPublicIp === 'DISABLED' ? [] : [at(id, 'assigns public addresses')]),
            ...(network.Subnets ?? [])
              .filter((s: unknown) => subnetTier(template, s) !== 'Private')
              .map(() => at(id, 'uses a non-private subnet')),
          ];
        }),
      ];
    },
  },
];

/** The security groups of the managed cache. */
const cacheGroups = (t: CfnTemplate) =>
  new Set([
    ...ofType(t, 'AWS::ElastiCache::ServerlessCache').flatMap(([, r]) => (r.Properties.SecurityGroupIds ?? []).map(refId)),
    ...ofType(t, 'AWS::ElastiCache::ReplicationGroup').flatMap(([, r]) => (r.Properties.SecurityGroupIds ?? []).map(refId)),
  ]);

INVARIANTS.push(
  {
    id: 'ZTM-12',
    name: 'from stage 5, nothing but the CDN accepts the internet: the API record aliases CloudFront, behind a firewall, over HTTPS, and the load balancer is internal and admits only CloudFront',
    check({ template, stage }) {
      if (stage < 5) return [];
      const problems: Violation[] = [];
      const distributions = ofType(template, 'AWS::CloudFront::Distribution');
      if (distributions.length !== 1) problems.push({ message: `${distributions.length} CloudFront distributions; expected one` });
      for (const [id, d] of distributions) {
        const config = d.Properties.DistributionConfig;
        if (!config.WebACLId) problems.push(at(id, 'has no web ACL'));
        for (const behavior of [config.DefaultCacheBehavior, ...(config.CacheBehaviors ?? [])]) {
          if (!['redirect-to-https', 'https-only'].includes(behavior.ViewerProtocolPolicy))
            problems.push(at(id, `serves ${behavior.PathPattern ?? 'the default behavior'} over plain HTTP`));
        }
        for (const origin of config.Origins ?? []) {
          if (!origin.VpcOriginConfig && !origin.S3OriginConfig)
            problems.push(at(id, `origin ${origin.Id} is reached over the internet (neither a VPC origin nor a bucket)`));
          if (origin.S3OriginConfig && !origin.OriginAccessControlId)
            problems.push(at(id, `bucket origin ${origin.Id} has no origin access control`));
        }
      }
      for (const [id, r] of ofType(template, 'AWS::Route53::RecordSet').filter(([, r]) => r.Properties.SetIdentifier)) {
        if (!distributions.some(([d]) => referencedIds(r.Properties.AliasTarget ?? {}).has(d)))
          problems.push(at(id, 'does not alias the CDN'));
      }
      for (const [id, r] of ofType(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
        if (r.Properties.Scheme !== 'internal') problems.push(at(id, 'is internet-facing'));
      }
      const balancerGroups = new Set(
        ofType(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer').flatMap(([, r]) => (r.Properties.SecurityGroups ?? []).map(refId)),
      );
      for (const rule of ingressRules(template)) {
        if (INTERNET.has(rule.from)) problems.push(at(rule.group, `admits ${rule.from} on ${rule.fromPort}-${rule.toPort}`));
        else if (balancerGroups.has(rule.group) && rule.prefixList !== CLOUDFRONT_ORIGIN_FACING)
          problems.push(at(rule.group, `(the load balancer's) admits ${rule.from}, not CloudFront's origin-facing prefix list`));
      }
      for (const [id] of ofType(template, 'AWS::EC2::EIP').filter(([, r]) => r.Properties.InstanceId))
        problems.push(at(id, 'gives an instance a public address'));
      return problems;
    },
  },
  {
    id: 'ZTM-13',
    name: 'the managed cache admits only the web tier, on its ports, and every connection authenticates as a user of its group (no user without a password)',
    check({ template }) {
      const web = webTierGroups(template);
      const groups = cacheGroups(template);
      return [
        ...ingressRules(template)
          .filter((r) => groups.has(r.group))
          .filter((r) => !web.has(r.from) || r.fromPort < 6379 || r.toPort > 6380)
          .map((r) => at(r.group, `(the cache's) admits ${r.from} on ${r.fromPort}-${r.toPort}`)),
        ...ofType(template, 'AWS::ElastiCache::ServerlessCache')
          .filter(([, r]) => !r.Properties.UserGroupId)
          .map(([id]) => at(id, 'has no user group: anyone who reaches it may use it')),
        ...ofType(template, 'AWS::ElastiCache::ReplicationGroup')
          .filter(
            ([, r]) =>
              r.Properties.TransitEncryptionEnabled !== true ||
              r.Properties.AtRestEncryptionEnabled !== true ||
              !r.Properties.UserGroupIds?.length,
          )
          .map(([id]) => at(id, 'is not encrypted in transit and at rest with a user group')),
        ...ofType(template, 'AWS::ElastiCache::User')
          .filter(
            ([, r]) => r.Properties.AuthenticationMode?.Type === 'no-password-required' && !/^off\b/.test(r.Properties.AccessString ?? ''),
          )
          .map(([id]) => at(id, 'needs no password and is switched on')),
      ];
    },
  },
);

/** Web capacity that can be taken back at any time: Spot instances, or Fargate Spot tasks. */
function spotCapacity(t: CfnTemplate): string[] {
  return [
    ...ofType(t, 'AWS::AutoScaling::AutoScalingGroup')
      .filter(([, r]) => {
        const d = r.Properties.MixedInstancesPolicy?.InstancesDistribution;
        return d && (d.OnDemandPercentageAboveBaseCapacity ?? 100) < 100;
      })
      .map(([id]) => id),
    ...ofType(t, 'AWS::ECS::Service')
      .filter(([, r]) =>
        (r.Properties.CapacityProviderStrategy ?? []).some((s: any) => s.CapacityProvider === 'FARGATE_SPOT' && s.Weight > 0),
      )
      .map(([id]) => id),
  ];
}

INVARIANTS.push({
  id: 'ZTM-14',
  name: 'a web tier holds no state from stage 6 (sessions in a shared store, nothing pins a client to a server), and only a stateless one runs on Spot',
  check({ template, stage }) {
    const problems: Violation[] = [];
    const settings = webAppSettings(template);
    const shared = settings.length > 0 && settings.every((s) => /^SESSION_STORE=(cache|dynamodb)$/m.test(s));
    if (stage >= 6) {
      if (!shared)
        problems.push({ message: 'the web app is not told to keep sessions in a shared store (SESSION_STORE=cache or dynamodb)' });
      for (const [id, group] of ofType(template, 'AWS::ElasticLoadBalancingV2::TargetGroup')) {
        const sticky = (group.Properties.TargetGroupAttributes ?? []).find((a: any) => a.Key === 'stickiness.enabled');
        if (sticky?.Value === 'true') problems.push(at(id, 'pins clients to servers (stickiness)'));
      }
    }
    if (!shared) for (const id of spotCapacity(template)) problems.push(at(id, 'runs on Spot while its servers hold sessions'));
    return problems;
  },
});

/** The logical id of the NAT a route sends to: a NAT gateway, or a NAT instance. */
const natOfRoute = (t: CfnTemplate, route: any): string | undefined => {
  const id = refId(route.NatGatewayId) ?? refId(route.InstanceId);
  const target = t.Resources[id ?? ''];
  return target && (target.Type === 'AWS::EC2::NatGateway' || isNatInstance(target)) ? id : undefined;
};

INVARIANTS.push({
  id: 'ZTM-15',
  name: "private subnets reach the internet only through NAT in a public subnet, in their own zone when every zone has one; a NAT instance forwards only the VPC's traffic and is rebooted when its status check fails",
  check({ template }) {
    const problems: Violation[] = [];
    const routes = ofType(template, 'AWS::EC2::Route');
    const nats = [...ofType(template, 'AWS::EC2::NatGateway'), ...natInstances(template)];
    const privateSubnets = ofType(template, 'AWS::EC2::Subnet').filter(([id]) => subnetTier(template, { Ref: id }) === 'Private');
    const everyZoneHasOne = nats.length >= privateZones(template).size;
    for (const [subnetId] of privateSubnets) {
      const tables = ofType(template, 'AWS::EC2::SubnetRouteTableAssociation')
        .filter(([, a]) => refId(a.Properties.SubnetId) === subnetId)
        .map(([, a]) => refId(a.Properties.RouteTableId));
      const egress = routes.filter(
        ([, r]) => tables.includes(refId(r.Properties.RouteTableId)) && r.Properties.DestinationCidrBlock === '0.0.0.0/0',
      );
      if (egress.length !== 1) {
        problems.push(at(subnetId, `has ${egress.length} routes to the internet; expected one, through NAT`));
        continue;
      }
      const nat = natOfRoute(template, egress[0][1].Properties);
      if (!nat) {
        problems.push(at(subnetId, 'reaches the internet through something that is not a NAT'));
        continue;
      }
      const natSubnet = template.Resources[nat].Properties.SubnetId;
      if (subnetTier(template, natSubnet) !== 'Public') problems.push(at(nat, 'is not in a public subnet'));
      if (everyZoneHasOne && subnetZone(template, natSubnet) !== subnetZone(template, { Ref: subnetId }))
        problems.push(at(subnetId, `sends its egress to ${nat} in another zone, though every zone has a NAT`));
    }
    const vpcCidrs = new Set(ofType(template, 'AWS::EC2::VPC').map(([, v]) => v.Properties.CidrBlock));
    const rules = ingressRules(template);
    for (const [id] of natInstances(template)) {
      for (const rule of rules.filter((r) => groupsOf(template, id).includes(r.group)))
        if (!vpcCidrs.has(rule.from)) problems.push(at(id, `admits ${rule.from}, not only the VPC's addresses`));
      if (!rebootAlarmOf(template, id)) problems.push(at(id, 'has no alarm that reboots it when its instance status check fails'));
    }
    return problems;
  },
});

/** Every violation of every invariant in one stage template, by invariant. */
export function violationsOf(subject: Subject): Record<string, Violation[]> {
  return Object.fromEntries(
    INVARIANTS.map((i) => [`${i.id} ${i.name}`, i.check(subject)] as const).filter(([, found]) => found.length > 0),
  );
}
