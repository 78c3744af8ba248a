/**
 * What a stage is, read from its template alone (lib/compare/analyse.ts): what still fails alone,
 * named with the resource that causes it, the request path, and what faces the internet.
 */
import { analyseStage, singlePointsOfFailure } from '../../lib/compare/analyse';
import { reportStage } from '../../lib/compare/compare';
import { mermaid } from '../../lib/compare/render';
import type { StageNumber } from '../../lib/config';
import { STAGES } from '../../lib/config';
import type { Overrides } from '../../lib/synth';
import { templateOf } from '../support/synth-cache';
import type { CfnTemplate } from '../support/template';
import { NAT_GATEWAYS, ONE_NAT_INSTANCE, TABLE_ONE_NAT } from '../support/variants';

const spofs = (stage: StageNumber, overrides: Overrides = {}) =>
  singlePointsOfFailure(templateOf(stage, overrides)).map((s) => `${s.what}: ${s.resource}`);
const report = (stage: StageNumber, overrides: Overrides = {}) => reportStage(STAGES[stage].stackName, templateOf(stage, overrides));
const subnet = (zone: string, tier: string) => ({
  Type: 'AWS::EC2::Subnet',
  Properties: { AvailabilityZone: zone, Tags: [{ Key: 'aws-cdk:subnet-type', Value: tier }] },
});

describe('on small hand-built templates', () => {
  test('a web server of one instance behind one IP is found and named as single points of failure', () => {
    const template: CfnTemplate = {
      Resources: {
        Web: { Type: 'AWS::EC2::Instance', Properties: { InstanceType: 't3.small', SubnetId: { Ref: 'A' }, SecurityGroupIds: [] } },
        A: subnet('us-east-1a', 'Public'),
        Ip: { Type: 'AWS::EC2::EIP', Properties: { InstanceId: { Ref: 'Web' } } },
        Dns: { Type: 'AWS::Route53::RecordSet', Properties: { Name: 'api.example.com.', Type: 'A', ResourceRecords: [{ Ref: 'Ip' }] } },
      },
    };
    expect(analyseStage('T', template).singlePointsOfFailure).toEqual([
      { resource: 'Web', what: 'single web server: one instance serves every request' },
      { resource: 'Dns', what: 'record points at one IP address' },
    ]);
  });

  test('a Multi-AZ database is not a single point of failure; a single-AZ one is', () => {
    const db = (multiAz: boolean): CfnTemplate => ({
      Resources: {
        Db: {
          Type: 'AWS::RDS::DBInstance',
          Properties: { Engine: 'postgres', DBInstanceClass: 'db.t4g.micro', AllocatedStorage: '20', MultiAZ: multiAz },
        },
      },
    });
    expect(analyseStage('T', db(true)).singlePointsOfFailure).toEqual([]);
    expect(analyseStage('T', db(false)).singlePointsOfFailure).toEqual([{ resource: 'Db', what: 'database in one zone' }]);
  });

  test('fewer NAT gateways than private zones is named; one per zone is not', () => {
    const template = (nats: number): CfnTemplate => ({
      Resources: {
        P1: subnet('us-east-1a', 'Private'),
        P2: subnet('us-east-1b', 'Private'),
        ...Object.fromEntries(Array.from({ length: nats }, (_, i) => [`Nat${i}`, { Type: 'AWS::EC2::NatGateway', Properties: {} }])),
      },
    });
    expect(analyseStage('T', template(1)).singlePointsOfFailure).toEqual([
      { resource: 'Nat0', what: 'egress of 2 zones through 1 NAT gateway' },
    ]);
    expect(analyseStage('T', template(2)).singlePointsOfFailure).toEqual([]);
  });
});

describe('what each stage still risks', () => {
  test('stage 1: the one instance is the web server, the database and the cache, behind one address', () => {
    expect(spofs(1)).toEqual([
      'single server: the web app, PostgreSQL and Valkey fail together: ServerInstanceE518391B',
      'record points at one IP address: ApiRecordEF2C714A',
    ]);
  });

  test('stage 2: one web server and, with RDS, a database in one zone', () => {
    expect(spofs(2, { dataStore: 'rds' })).toEqual([
      expect.stringMatching(/^single web server: one instance serves every request: ServerInstanceE518391B[0-9a-f]+$/),
      'database in one zone: RelationalDataDatabase5BB21CFE',
      'record points at one IP address: ApiRecordEF2C714A',
    ]);
    expect(spofs(2, { dataStore: 'dynamodb' })).toEqual([
      expect.stringMatching(/^single web server: /),
      'record points at one IP address: ApiRecordEF2C714A',
    ]);
  });

  /** Stages 3 and 4 by default: a NAT instance in each zone, each one instance (its id ends in a hash of its script). */
  const NAT_INSTANCES = [
    expect.stringMatching(/^egress through one NAT instance, with no standby: NetworkVpcPublicSubnet1NatInstance6FD019B0[0-9a-f]{16}$/),
    expect.stringMatching(/^egress through one NAT instance, with no standby: NetworkVpcPublicSubnet2NatInstance590F1191[0-9a-f]{16}$/),
  ];

  test('stage 3: no single web server, with either web tier; the single-zone RDS database remains, and each NAT instance', () => {
    expect(spofs(3, { dataStore: 'rds' })).toEqual(['database in one zone: RelationalDataDatabase5BB21CFE', ...NAT_INSTANCES]);
    expect(spofs(3, { webTier: 'ecs' })).toEqual(['database in one zone: RelationalDataDatabase5BB21CFE', ...NAT_INSTANCES]);
    expect(spofs(3, { dataStore: 'dynamodb' })).toEqual(NAT_INSTANCES);
  });

  test('stage 3 with NAT gateways, one per zone: the gateways are redundant in their zones, and not named', () => {
    expect(spofs(3, NAT_GATEWAYS)).toEqual(['database in one zone: RelationalDataDatabase5BB21CFE']);
  });

  test('stage 4: no single point of failure left for the database, with either data store; its NAT instances remain', () => {
    expect(spofs(4)).toEqual(NAT_INSTANCES);
    expect(spofs(4, { dataStore: 'dynamodb' })).toEqual(NAT_INSTANCES);
  });

  test('one NAT instance for two zones: the dependency of both zones on it is named, and the instance', () => {
    expect(spofs(3, ONE_NAT_INSTANCE)).toEqual([
      'database in one zone: RelationalDataDatabase5BB21CFE',
      expect.stringMatching(/^egress of 2 zones through 1 NAT instance: NetworkVpcPublicSubnet1NatInstance6FD019B0[0-9a-f]{16}$/),
      NAT_INSTANCES[0],
    ]);
  });

  test("a NAT instance's failure is told: what its zone keeps and loses, what brings it back, its bandwidth", () => {
    const [first] = report(3).availability.degradation.filter((d) => d.includes('(NAT instance'));
    expect(first.replace(/(NatInstance6FD019B0)[0-9a-f]{16} /, '$1 ')).toBe(
      'NetworkVpcPublicSubnet1NatInstance6FD019B0 (NAT instance t4g.nano) fails: the servers of us-east-1a keep serving what the load balancer brings them (the data tier and the cache are in the VPC, S3 and DynamoDB behind gateway endpoints), but lose the internet: a new instance there cannot install the app and signal; Session Manager cannot reach its instances; a server there cannot read a secret again (for its next new database or cache connection). EC2 moves it to other hardware when its host fails (simplified automatic recovery keeps its id and addresses, so the routes still hold); an alarm reboots it after 3 minutes of failed instance status checks; nothing else replaces it. Its bandwidth: 32 Mbit/s sustained, bursts to 5 Gbit/s while its network credits last.',
    );
    const [one] = report(3, ONE_NAT_INSTANCE).availability.degradation.filter((d) => d.includes('(NAT instance'));
    expect(one).toMatch(
      /^NetworkVpcPublicSubnet1NatInstance6FD019B0[0-9a-f]{16} \(NAT instance t3\.micro\) fails: the servers of us-east-1a and us-east-1b keep/,
    );
    expect(one).toMatch(/Its bandwidth: 64 Mbit\/s sustained/);
    const fargate = report(3, { webTier: 'ecs', dataStore: 'dynamodb', https: 'false' }).availability.degradation.find((d) =>
      d.includes('(NAT instance'),
    );
    expect(fargate).toContain('but lose the internet: a new task there cannot pull its image; its tasks cannot send their logs.');
    expect(report(3, NAT_GATEWAYS).availability.degradation.some((d) => d.includes('NAT'))).toBe(false);
  });

  test('a cluster without a reader in another zone than its writer is named', () => {
    const cluster = (readerZone: string): CfnTemplate => ({
      Resources: {
        Db: { Type: 'AWS::RDS::DBCluster', Properties: { Engine: 'aurora-postgresql' } },
        Writer: {
          Type: 'AWS::RDS::DBInstance',
          Properties: { DBClusterIdentifier: { Ref: 'Db' }, PromotionTier: 0, AvailabilityZone: 'us-east-1a' },
        },
        Reader: {
          Type: 'AWS::RDS::DBInstance',
          Properties: { DBClusterIdentifier: { Ref: 'Db' }, PromotionTier: 1, AvailabilityZone: readerZone },
        },
      },
    });
    expect(analyseStage('T', cluster('us-east-1b')).singlePointsOfFailure).toEqual([]);
    expect(analyseStage('T', cluster('us-east-1a')).singlePointsOfFailure).toEqual([
      { resource: 'Db', what: 'database writer with no reader in another zone to fail over to' },
    ]);
  });

  test('stage 3 with fewer NAT gateways than zones names the egress dependency', () => {
    expect(spofs(3, TABLE_ONE_NAT)).toEqual(['egress of 2 zones through 1 NAT gateway: NetworkVpcPublicSubnet1NATGateway64781A21']);
  });
});

describe('the request path, from the references in the template', () => {
  test('record → load balancer → web tier → database, each labelled with what the template says', () => {
    expect(mermaid(report(3))).toBe(
      [
        'flowchart LR',
        '  client["Clients (web, mobile)"]',
        '  ApiRecordEF2C714A["Route 53 api.example.com (weighted A)"]',
        '  LoadBalancer8E47CE52["Application Load Balancer (HTTPS :443, HTTP :80)"]',
        '  AutoScalingWebTierGroupASG6B4A47F3["Auto Scaling group: 2–6 × t3.small"]',
        '  RelationalDataDatabase5BB21CFE["RDS postgres db.t4g.micro, one zone"]',
        '  client -->|"resolve"| ApiRecordEF2C714A',
        '  ApiRecordEF2C714A -->|"alias; HTTPS :443, HTTP :80"| LoadBalancer8E47CE52',
        '  LoadBalancer8E47CE52 -->|"HTTP :80"| AutoScalingWebTierGroupASG6B4A47F3',
        '  AutoScalingWebTierGroupASG6B4A47F3 -->|":5432"| RelationalDataDatabase5BB21CFE',
      ].join('\n'),
    );
  });

  test('the Fargate tier is reached on the port its target group forwards to', () => {
    const edge = report(3, { webTier: 'ecs' }).requestPath.edges.find((e) => e.from === 'LoadBalancer8E47CE52');
    expect(edge).toEqual({ from: 'LoadBalancer8E47CE52', to: expect.stringMatching(/^FargateWebTierService/), label: 'HTTP :8080' });
  });

  test('stage 4 writes through the cluster endpoint to the writer, and reads through the reader endpoint', () => {
    const { edges } = report(4).requestPath;
    expect(edges.filter((e) => e.to.startsWith('ReplicatedDataCluster'))).toEqual([
      {
        from: expect.stringMatching(/^AutoScalingWebTier/),
        to: 'ReplicatedDataCluster77068A4DWriter',
        label: 'writes :5432 (cluster endpoint)',
      },
      {
        from: expect.stringMatching(/^AutoScalingWebTier/),
        to: 'ReplicatedDataCluster77068A4DReaders',
        label: 'reads :5432 (reader endpoint)',
      },
      {
        from: 'ReplicatedDataCluster77068A4DWriter',
        to: 'ReplicatedDataCluster77068A4DReaders',
        label: 'replicates; failover promotes a reader',
      },
    ]);
    expect(report(4).requestPath.nodes.find((n) => n.id.endsWith('Readers'))?.label).toBe('1 Aurora reader 0.5–4 ACU, us-east-1b');
  });

  test('a CDN stage that does not carry the API name (stage 6 by default) is reached by its own name; one that does, by the API name only', () => {
    const resolved = (stage: StageNumber, overrides: Overrides = {}) =>
      report(stage, overrides)
        .requestPath.edges.filter((e) => e.from === 'client')
        .map((e) => report(stage, overrides).requestPath.nodes.find((n) => n.id === e.to)?.label);
    expect(resolved(6)).toEqual(['Route 53 stage6.api.example.com (A)', 'Route 53 stage6.api.example.com (AAAA)']);
    expect(resolved(5)).toEqual(['Route 53 api.example.com (weighted A)', 'Route 53 api.example.com (weighted AAAA)']);
  });

  test('a table is reached through the web role, not the network', () => {
    expect(report(2, { dataStore: 'dynamodb' }).requestPath.edges.at(-1)).toEqual({
      from: expect.stringMatching(/^ServerInstance/),
      to: 'NoSqlDataTableDCF77491',
      label: 'IAM: item calls',
    });
  });
});

test('only the front door is exposed: the instance in stages 1 and 2, the load balancer in stage 3', () => {
  expect(report(1).exposure).toEqual(['EC2 instance ServerInstanceE518391B accepts the internet on 80']);
  expect(report(3).exposure).toEqual(['load balancer LoadBalancer8E47CE52 accepts the internet on 80, 443']);
  expect(report(3, { https: 'false' }).exposure).toEqual(['load balancer LoadBalancer8E47CE52 accepts the internet on 80']);
});
