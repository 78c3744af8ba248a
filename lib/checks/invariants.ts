/**
 * What must hold for every configuration the app accepts, written once as properties of a
 * synthesized template. Each invariant returns the violations it finds, in words; none means it
 * holds. They read only the template (and the configuration it was built from), so they apply to
 * any stage and any option.
 */
import type { Config, StageNumber } from '../../lib/config';
import { webTierIds } from '../../lib/compare/analyse';
import * as reader from '../../lib/compare/template';
import { ingressRules, userDataText } from './template';

export type TemplateJson = { Resources: Record<string, { Type: string; Properties?: any; DeletionPolicy?: string; UpdateReplacePolicy?: string }> };

export interface Subject {
  readonly stage: StageNumber;
  readonly config: Config;
  readonly template: TemplateJson;
}

export interface Invariant {
  readonly name: string;
  check(subject: Subject): string[];
}

const ofType = (t: TemplateJson, type: string) => reader.ofType(t, type);
const idOf = (ref: any): string => reader.refId(ref) ?? '';
const INTERNET = new Set(['0.0.0.0/0', '::/0']);

/** The security groups of whatever faces the internet: the load balancer, or the single web server. */
function frontDoorGroups(t: TemplateJson): Set<string> {
  const balancers = ofType(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
  if (balancers.length > 0) return new Set(balancers.flatMap(([, r]) => r.Properties.SecurityGroups.map(idOf)));
  return new Set(ofType(t, 'AWS::EC2::Instance').flatMap(([id]) => reader.groupsOf(t, id)));
}

/** The security groups of the web tier: the single server, the Auto Scaling group, or the Fargate service. */
const webTierGroups = (t: TemplateJson) => new Set(webTierIds(t).flatMap((id) => reader.groupsOf(t, id)));

const zoneOf = (t: TemplateJson, subnetRef: any): string => reader.subnetZone(t, subnetRef);
const tierOf = (t: TemplateJson, subnetRef: any): string => reader.subnetTier(t, subnetRef);

/** Every string in a JSON value, with the path to it. */
function* strings(value: unknown, path = ''): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, `${path}[${i}]`);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* strings(v, path ? `${path}.${k}` : k);
}

/** Every object key in a JSON value, with its value and path. */
function* entries(value: unknown, path = ''): Generator<[string, string, unknown]> {
  if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* entries(v, `${path}[${i}]`);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      yield [path, k, v];
      yield* entries(v, path ? `${path}.${k}` : k);
    }
  }
}

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET(?!_ARN)|API_KEY|ACCESS_KEY|PRIVATE_KEY|TOKEN(?!_TTL))/i;

export const INVARIANTS: Invariant[] = [
  {
    name: 'only the front door (load balancer, or the single web server) accepts the internet, and only on 80/443',
    check({ template }) {
      const front = frontDoorGroups(template);
      return ingressRules(template)
        .filter((r) => INTERNET.has(r.from))
        .flatMap((r) => [
          ...(front.has(r.group) ? [] : [`${r.group} admits ${r.from}, but it is not the front door`]),
          ...(r.fromPort === r.toPort && (r.fromPort === 80 || r.fromPort === 443) ? [] : [`${r.group} admits ${r.from} on ${r.fromPort}-${r.toPort}`]),
        ]);
    },
  },
  {
    name: 'nothing reaches the data tier but the web tier, on the database port',
    check({ template }) {
      const web = webTierGroups(template);
      const databaseGroups = new Set(ofType(template, 'AWS::RDS::DBInstance').flatMap(([, r]) => r.Properties.VPCSecurityGroups.map(idOf)));
      const databasePorts = new Set(ofType(template, 'AWS::RDS::DBInstance').map(([, r]) => Number(r.Properties.Port)));
      return ingressRules(template)
        .filter((r) => databaseGroups.has(r.group))
        .filter((r) => !web.has(r.from) || r.fromPort !== r.toPort || !databasePorts.has(r.fromPort))
        .map((r) => `database group ${r.group} admits ${r.from} on ${r.fromPort}-${r.toPort}`);
    },
  },
  {
    name: 'no SSH: no ingress covers port 22 and no instance has a key pair',
    check({ template }) {
      const open22 = ingressRules(template)
        .filter((r) => r.fromPort <= 22 && r.toPort >= 22)
        .map((r) => `${r.group} admits ${r.from} on ${r.fromPort}-${r.toPort}`);
      const keys = [
        ...ofType(template, 'AWS::EC2::Instance').filter(([, r]) => r.Properties.KeyName),
        ...ofType(template, 'AWS::EC2::LaunchTemplate').filter(([, r]) => r.Properties.LaunchTemplateData.KeyName),
      ].map(([id]) => `${id} has a key pair`);
      return [...open22, ...keys];
    },
  },
  {
    name: 'IMDSv2 is required on every instance and launch template',
    check({ template }) {
      return [
        ...ofType(template, 'AWS::EC2::Instance').filter(([, r]) => r.Properties.MetadataOptions?.HttpTokens !== 'required'),
        ...ofType(template, 'AWS::EC2::LaunchTemplate').filter(([, r]) => r.Properties.LaunchTemplateData.MetadataOptions?.HttpTokens !== 'required'),
      ].map(([id]) => `${id} does not require IMDSv2`);
    },
  },
  {
    name: 'every volume, database, table, secret and bucket is encrypted',
    check({ template }) {
      const volumes = [
        ...ofType(template, 'AWS::EC2::Instance').flatMap(([id, r]) => (r.Properties.BlockDeviceMappings ?? []).map((b: any) => [id, b])),
        ...ofType(template, 'AWS::EC2::LaunchTemplate').flatMap(([id, r]) => (r.Properties.LaunchTemplateData.BlockDeviceMappings ?? []).map((b: any) => [id, b])),
      ].filter(([, b]) => b.Ebs && b.Ebs.Encrypted !== true);
      return [
        ...volumes.map(([id, b]) => `${id} volume ${b.DeviceName} is not encrypted`),
        ...ofType(template, 'AWS::EC2::Volume').filter(([, r]) => r.Properties.Encrypted !== true).map(([id]) => `${id} is not encrypted`),
        ...ofType(template, 'AWS::RDS::DBInstance').filter(([, r]) => r.Properties.StorageEncrypted !== true).map(([id]) => `${id} storage is not encrypted`),
        ...ofType(template, 'AWS::DynamoDB::Table').filter(([, r]) => r.Properties.SSESpecification?.SSEEnabled !== true).map(([id]) => `${id} is not KMS-encrypted`),
        // A secret is always encrypted with KMS; what matters is that its value is generated, not written in the template.
        ...ofType(template, 'AWS::SecretsManager::Secret').filter(([, r]) => r.Properties.SecretString !== undefined).map(([id]) => `${id} holds a literal value`),
        ...ofType(template, 'AWS::S3::Bucket').filter(([, r]) => !r.Properties.BucketEncryption?.ServerSideEncryptionConfiguration?.length).map(([id]) => `${id} has no default encryption`),
      ];
    },
  },
  {
    name: 'no database is publicly accessible or in a subnet with a route from the internet',
    check({ template }) {
      return ofType(template, 'AWS::RDS::DBInstance').flatMap(([id, r]) => {
        const group = template.Resources[idOf(r.Properties.DBSubnetGroupName)];
        const tiers = group.Properties.SubnetIds.map((s: any) => tierOf(template, s));
        return [
          ...(r.Properties.PubliclyAccessible === false ? [] : [`${id} is publicly accessible`]),
          ...(tiers.every((tier: string) => tier === 'Isolated') ? [] : [`${id} is in ${tiers.join(', ')} subnets`]),
        ];
      });
    },
  },
  {
    name: 'no secret in plain text in the template, user data or container environment',
    check({ template }) {
      const found: string[] = [];
      for (const [path, value] of strings(template)) {
        if (/AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)) found.push(`${path} holds a credential`);
      }
      for (const [path, key, value] of entries(template)) {
        if (/pass(word|wd)/i.test(key) && typeof value === 'string' && !value.startsWith('{{resolve:secretsmanager:')) found.push(`${path}.${key} is a literal`);
        if (/pass(word|wd)/i.test(key) && value && typeof value === 'object' && JSON.stringify(value).includes('"Fn::Join"') && !JSON.stringify(value).includes('{{resolve:secretsmanager:')) {
          found.push(`${path}.${key} is not a Secrets Manager reference`);
        }
      }
      const scripts = [
        ...ofType(template, 'AWS::EC2::Instance').map(([id, r]) => [id, r.Properties.UserData]),
        ...ofType(template, 'AWS::EC2::LaunchTemplate').map(([id, r]) => [id, r.Properties.LaunchTemplateData.UserData]),
      ].filter(([, u]) => u);
      for (const [id, userData] of scripts) {
        for (const line of userDataText(userData).split('\n')) {
          const assignment = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
          if (assignment && SECRET_NAME.test(assignment[1]) && !/^\$\{[A-Za-z0-9.]+\}$/.test(assignment[2])) found.push(`${id} user data sets ${assignment[1]}`);
        }
      }
      for (const [id, task] of ofType(template, 'AWS::ECS::TaskDefinition')) {
        for (const container of task.Properties.ContainerDefinitions) {
          for (const variable of container.Environment ?? []) {
            if (SECRET_NAME.test(variable.Name) && typeof variable.Value === 'string') found.push(`${id} ${container.Name} sets ${variable.Name} in plain text`);
          }
        }
      }
      return found;
    },
  },
  {
    name: 'no stack operation loses data: final snapshot and backups (RDS), point-in-time recovery and retain (DynamoDB)',
    check({ template }) {
      return [
        ...ofType(template, 'AWS::RDS::DBInstance').flatMap(([id, r]) => [
          ...(r.DeletionPolicy === 'Snapshot' && r.UpdateReplacePolicy === 'Snapshot' ? [] : [`${id} is not snapshotted on delete and replace`]),
          ...(Number(r.Properties.BackupRetentionPeriod) >= 1 ? [] : [`${id} has no automated backups`]),
        ]),
        ...ofType(template, 'AWS::DynamoDB::Table').flatMap(([id, r]) => [
          ...(r.DeletionPolicy === 'Retain' && r.UpdateReplacePolicy === 'Retain' ? [] : [`${id} is not retained on delete and replace`]),
          ...(r.Properties.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled === true ? [] : [`${id} has no point-in-time recovery`]),
        ]),
      ];
    },
  },
  {
    name: 'deletion protection follows the configuration on whatever holds data',
    check({ template, config, stage }) {
      const expected = config.deletionProtection;
      return [
        ...ofType(template, 'AWS::RDS::DBInstance').filter(([, r]) => r.Properties.DeletionProtection !== expected),
        ...ofType(template, 'AWS::DynamoDB::Table').filter(([, r]) => r.Properties.DeletionProtectionEnabled !== expected),
        // Stage 1's instance holds the database.
        ...(stage === 1 ? ofType(template, 'AWS::EC2::Instance').filter(([, r]) => r.Properties.DisableApiTermination !== expected) : []),
      ].map(([id]) => `${id} deletion protection is not ${expected}`);
    },
  },
  {
    name: 'stage 3 survives the loss of one zone: load balancer and web tier span two zones, health checks replace failed servers',
    check({ template, stage }) {
      if (stage !== 3) return [];
      const problems: string[] = [];
      const zones = (refs: any[]) => new Set(refs.map((s) => zoneOf(template, s))).size;
      for (const [id, r] of ofType(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
        if (zones(r.Properties.Subnets) < 2) problems.push(`${id} spans fewer than two zones`);
      }
      for (const [id, r] of ofType(template, 'AWS::AutoScaling::AutoScalingGroup')) {
        if (zones(r.Properties.VPCZoneIdentifier) < 2) problems.push(`${id} spans fewer than two zones`);
        if (r.Properties.HealthCheckType !== 'ELB') problems.push(`${id} does not replace instances that fail the load balancer health check`);
        if (Number(r.Properties.MinSize) < 2) problems.push(`${id} may shrink to one instance`);
      }
      for (const [id, r] of ofType(template, 'AWS::ECS::Service')) {
        if (zones(r.Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets) < 2) problems.push(`${id} spans fewer than two zones`);
        if (!r.Properties.LoadBalancers?.length) problems.push(`${id} is not behind the load balancer health check`);
      }
      for (const [id, r] of ofType(template, 'AWS::ApplicationAutoScaling::ScalableTarget')) {
        if (r.Properties.MinCapacity < 2) problems.push(`${id} may shrink to one task`);
      }
      if (ofType(template, 'AWS::AutoScaling::AutoScalingGroup').length + ofType(template, 'AWS::ECS::Service').length !== 1) problems.push('no single web tier');
      return problems;
    },
  },
  {
    name: 'stage 3 web servers are private: private subnets, no public address',
    check({ template, stage }) {
      if (stage !== 3) return [];
      return [
        ...ofType(template, 'AWS::EC2::Instance').map(([id]) => `${id} is a standalone instance`),
        ...ofType(template, 'AWS::AutoScaling::AutoScalingGroup').flatMap(([id, r]) =>
          r.Properties.VPCZoneIdentifier.filter((s: any) => tierOf(template, s) !== 'Private').map(() => `${id} uses a non-private subnet`),
        ),
        ...ofType(template, 'AWS::ECS::Service').flatMap(([id, r]) => {
          const network = r.Properties.NetworkConfiguration.AwsvpcConfiguration;
          return [
            ...(network.AssignPublicIp === 'DISABLED' ? [] : [`${id} assigns public addresses`]),
            ...network.Subnets.filter((s: any) => tierOf(template, s) !== 'Private').map(() => `${id} uses a non-private subnet`),
          ];
        }),
      ];
    },
  },
];
