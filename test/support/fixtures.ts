/**
 * Small apps the construct tests and the control cases read: each builds one construct on a bare
 * stack, or a stage with one deliberate fault. The global setup synthesizes them with the stage
 * variants (./synth-cache.ts), so a test file reads JSON and never loads aws-cdk-lib.
 *
 * Each fixture is the GIVEN of the tests that name it; keep it as small as the idea it shows.
 */
import { App, CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as targets from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { buildApp } from '../../lib/app';
import { ApiRecord } from '../../lib/constructs/api-record';
import { ManagedCache } from '../../lib/constructs/cache-tier';
import { ContentDelivery, edgeAccessLogs } from '../../lib/constructs/content-delivery';
import { NoSqlDataTier, RelationalDataTier, type RelationalDataTierProps } from '../../lib/constructs/data-tier';
import { DeploymentVerification } from '../../lib/constructs/deployment-verification';
import { EdgeProtection } from '../../lib/constructs/edge-protection';
import { LoadBalancer } from '../../lib/constructs/load-balancer';
import { Network } from '../../lib/constructs/network';
import { TableSessions } from '../../lib/constructs/session-store';
import { SingleWebServer, type SingleWebServerProps } from '../../lib/constructs/single-web-server';
import { StaticPage } from '../../lib/constructs/static-page';
import { AutoScalingWebTier, FargateWebTier } from '../../lib/constructs/web-tier';
import { PLACEHOLDER_WARNING } from '../../lib/stages/stage-stack';
import { contextWith } from '../../lib/synth';

export interface Fixture {
  /** The checks synth runs, as `cdk synth` would: all off unless the fixture is about them. */
  readonly checks?: { readonly validation?: boolean; readonly nag?: boolean; readonly invariants?: boolean };
  /** Context beyond cdk.json's (stage 1 only, unless it says otherwise). */
  readonly context?: Record<string, unknown>;
  /** Builds the app; its stacks' templates are what the tests read. */
  build(app: App): void;
}

const ENV = { account: '123456789012', region: 'us-east-1' };
const ZONES = ['us-east-1a', 'us-east-1b'];
const APP = { stage: 'Fixture', environment: { DATA_STORE: 'dynamodb', TABLE_NAME: 'items', AWS_REGION: 'us-east-1' } };

/** A bare stack named after the construct it holds. */
const stack = (app: App, name: string) => new Stack(app, name, { env: ENV });
const zone = (scope: Stack) =>
  route53.HostedZone.fromHostedZoneAttributes(scope, 'Zone', { hostedZoneId: 'Z0000000000000EXAMPLE', zoneName: 'example.com' });

/** A network with every tier, for the constructs that sit in one. */
const fullNetwork = (scope: Stack) =>
  new Network(scope, 'Network', { availabilityZones: ZONES, privateTier: { natGateways: 2 }, isolatedTier: true }).vpc;

/** The stages, built as `cdk synth` builds them, with one deliberate fault. */
/** The configuration's scaling defaults. */
const DEFAULT_SCALING = { minCapacity: 2, maxCapacity: 6, cpuTargetPercent: 60, requestsPerTarget: 60_000 };

/** A stack for a web tier: its network, a load balancer in it, and the app it runs. */
function webTierStack(app: App) {
  const s = stack(app, 'WebTier');
  const vpc = fullNetwork(s);
  return { s, vpc, loadBalancer: new LoadBalancer(s, 'LoadBalancer', { vpc }), app: APP };
}

/** Stage 1-2's web server in a stack of its own, in a public network over two zones. */
function singleWebServer(app: App, props: Omit<SingleWebServerProps, 'vpc' | 'app'>): void {
  const s = stack(app, 'SingleWebServer');
  new SingleWebServer(s, 'Server', { vpc: new Network(s, 'Network', { availabilityZones: ZONES }).vpc, app: APP, ...props });
}

/** Stage 2-3's RDS database in a stack of its own, ten connections per server. */
function relationalDataTier(app: App, props: Omit<RelationalDataTierProps, 'vpc' | 'poolSize'>): void {
  const s = stack(app, 'DataTier');
  new RelationalDataTier(s, 'RelationalData', { vpc: fullNetwork(s), poolSize: 10, ...props });
}

function stageWith(app: App, fault: (stack: Stack) => void): void {
  const [stage1] = buildApp(app, { nag: false, invariants: false });
  Validations.of(stage1).acknowledge({
    id: `Annotation::${PLACEHOLDER_WARNING}`,
    reason: 'Synthesized with the placeholder defaults on purpose.',
  });
  fault(stage1);
}

export const FIXTURES = {
  'network/public-only': {
    build: (app) => new Network(stack(app, 'Network'), 'Network', { availabilityZones: ZONES }),
  },
  'network/every-tier': {
    build: (app) =>
      new Network(stack(app, 'Network'), 'Network', {
        availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
        privateTier: { natGateways: 1 },
        isolatedTier: true,
      }),
  },
  'single-web-server/holds-data': {
    build: (app) => singleWebServer(app, { instanceType: 't3.small', localDataServices: true, holdsData: true, deletionProtection: true }),
  },
  'single-web-server/holds-data-unprotected': {
    build: (app) => singleWebServer(app, { instanceType: 't3.small', localDataServices: true, holdsData: true, deletionProtection: false }),
  },
  'single-web-server/stateless': {
    build: (app) => singleWebServer(app, { instanceType: 'm7g.large', holdsData: false, deletionProtection: true }),
  },
  'data-tier/relational': {
    build: (app) =>
      relationalDataTier(app, { instanceType: 'r7g.large', storageGiB: 100, backupRetentionDays: 14, deletionProtection: true }),
  },
  'data-tier/relational-unprotected': {
    build: (app) =>
      relationalDataTier(app, { instanceType: 't4g.micro', storageGiB: 20, backupRetentionDays: 1, deletionProtection: false }),
  },
  'data-tier/nosql': {
    build: (app) => new NoSqlDataTier(stack(app, 'DataTier'), 'NoSqlData', { deletionProtection: true }),
  },
  'load-balancer/https': {
    build(app) {
      const s = stack(app, 'LoadBalancer');
      new LoadBalancer(s, 'LoadBalancer', {
        vpc: fullNetwork(s),
        https: { domainName: 'api.example.com', zone: zone(s) },
      }).addWebTier(new targets.IpTarget('10.0.4.10'));
    },
  },
  'load-balancer/http': {
    build(app) {
      const s = stack(app, 'LoadBalancer');
      new LoadBalancer(s, 'LoadBalancer', { vpc: fullNetwork(s) }).addWebTier(new targets.IpTarget('10.0.4.10'), 8080);
    },
  },
  'load-balancer/cdn-https': {
    build(app) {
      const s = stack(app, 'LoadBalancer');
      new LoadBalancer(s, 'LoadBalancer', {
        vpc: fullNetwork(s),
        reach: 'cdn',
        https: { domainName: 'api.example.com', alternativeNames: ['stage5-origin.api.example.com'], zone: zone(s) },
      }).addWebTier(new targets.IpTarget('10.0.4.10'));
    },
  },
  'load-balancer/cdn-http': {
    build(app) {
      const s = stack(app, 'LoadBalancer');
      new LoadBalancer(s, 'LoadBalancer', { vpc: fullNetwork(s), reach: 'cdn', pauseWrites: true }).addWebTier(
        new targets.IpTarget('10.0.4.10'),
      );
    },
  },
  'cache-tier/managed': {
    build(app) {
      const s = stack(app, 'CacheTier');
      const vpc = fullNetwork(s);
      const cache = new ManagedCache(s, 'Cache', { vpc, maxDataGiB: 2, maxEcpuPerSecond: 5000 });
      const web = new ec2.SecurityGroup(s, 'WebTier', { vpc });
      cache.allowWebTier({
        connections: web.connections,
        grantPrincipal: new iam.Role(s, 'WebRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') }),
      });
    },
  },
  'session-store/table': {
    build(app) {
      const s = stack(app, 'SessionStore');
      const sessions = new TableSessions(s, 'Sessions', { ttl: Duration.hours(12) });
      sessions.allowWebTier({
        connections: new ec2.Connections(),
        grantPrincipal: new iam.Role(s, 'WebRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }),
      });
    },
  },
  'edge-protection/block': {
    build: (app) => {
      const s = stack(app, 'EdgeProtection');
      new EdgeProtection(s, 'Edge', { domainName: 'api.example.com', zone: zone(s), mode: 'block', rateLimit: 2000 });
    },
  },
  'edge-protection/count': {
    build: (app) => {
      const s = stack(app, 'EdgeProtection');
      new EdgeProtection(s, 'Edge', { domainName: 'api.example.com', zone: zone(s), mode: 'count', rateLimit: 100 });
    },
  },
  'content-delivery/https': {
    build(app) {
      const s = stack(app, 'ContentDelivery');
      const vpc = fullNetwork(s);
      const hostedZone = zone(s);
      const edge = new EdgeProtection(s, 'Edge', { domainName: 'api.example.com', zone: hostedZone, mode: 'block', rateLimit: 2000 });
      const loadBalancer = new LoadBalancer(s, 'LoadBalancer', {
        vpc,
        reach: 'cdn',
        https: { domainName: 'api.example.com', alternativeNames: ['stage5-origin.api.example.com'], zone: hostedZone },
      });
      loadBalancer.addWebTier(new targets.IpTarget('10.0.4.10'));
      const accessLogs = edgeAccessLogs(s, 'AccessLogs');
      new ContentDelivery(s, 'Cdn', {
        domainNames: ['api.example.com', 'stage5.api.example.com'],
        certificate: edge.certificate,
        webAclArn: edge.webAcl.attrArn,
        loadBalancer,
        originDomainName: 'stage5-origin.api.example.com',
        page: new StaticPage(s, 'Page', { accessLogs }),
        priceClass: '100',
        accessLogs,
      });
    },
  },
  'web-tier/auto-scaling': {
    build(app) {
      const { s, ...around } = webTierStack(app);
      new AutoScalingWebTier(s, 'AutoScalingWebTier', { ...around, ...DEFAULT_SCALING, instanceType: 't3.small' });
    },
  },
  'web-tier/fargate': {
    build(app) {
      const { s, ...around } = webTierStack(app);
      new FargateWebTier(s, 'FargateWebTier', { ...around, ...DEFAULT_SCALING, taskCpu: 512, taskMemoryMiB: 1024 });
    },
  },
  'web-tier/fargate-arm64': {
    build(app) {
      const { s, ...around } = webTierStack(app);
      new FargateWebTier(s, 'FargateWebTier', {
        ...around,
        minCapacity: 3,
        maxCapacity: 9,
        desiredCapacity: 4,
        cpuTargetPercent: 50,
        requestsPerTarget: 30_000,
        taskCpu: 1024,
        taskMemoryMiB: 2048,
        architecture: 'ARM64',
      });
    },
  },
  'api-record/ip': {
    build(app) {
      const s = stack(app, 'ApiRecord');
      const ip = new ec2.CfnEIP(s, 'Ip', { domain: 'vpc' });
      new ApiRecord(s, 'Api', {
        zone: zone(s),
        recordName: 'api',
        target: route53.RecordTarget.fromIpAddresses(ip.ref),
        weight: 30,
        setIdentifier: 'Stage1-SingleServer',
        scheme: 'http',
      });
    },
  },
  'deployment-verification/ip': {
    build(app) {
      const s = stack(app, 'DeploymentVerification');
      const ip = new ec2.CfnEIP(s, 'Ip', { domain: 'vpc' });
      const record = new ApiRecord(s, 'Api', {
        zone: zone(s),
        recordName: 'api',
        target: route53.RecordTarget.fromIpAddresses(ip.ref),
        weight: 100,
        setIdentifier: 'Stage1-SingleServer',
        scheme: 'http',
      });
      new DeploymentVerification(s, 'Verification', {
        hostedZoneId: 'Z0000000000000EXAMPLE',
        record,
        target: { kind: 'ip', address: ip.ref },
        healthUrl: `http://${ip.ref}/healthz`,
        readyUrl: `http://${ip.ref}/readyz`,
        after: [ip],
      });
    },
  },
  // A configuration that breaks a rule between keys: building the app must fail before any stack exists.
  'control/bad-configuration': {
    context: { minCapacity: 10, maxCapacity: 2 },
    build: (app) => buildApp(app),
  },
  'control/nag-finding': {
    checks: { nag: true },
    build: (app) =>
      stageWith(app, (s) => {
        const group = new ec2.SecurityGroup(s, 'WideOpen', {
          vpc: ec2.Vpc.fromVpcAttributes(s, 'Imported', { vpcId: 'vpc-1', availabilityZones: ['us-east-1a'] }),
        });
        group.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(22));
      }),
  },
  'control/unknown-property': {
    checks: { validation: true },
    build: (app) =>
      stageWith(app, (s) => {
        const eip = s.node.findAll().find((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::EC2::EIP')!;
        eip.addPropertyOverride('NotAProperty', true);
      }),
  },
  'control/invariant-broken': {
    checks: { invariants: true },
    build: (app) =>
      stageWith(app, (s) => {
        // The single server's group opened to the world on PostgreSQL's port: invariant ZTM-1.
        const group = s.node.findAll().find((c): c is ec2.SecurityGroup => c instanceof ec2.SecurityGroup)!;
        group.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(5432));
      }),
  },
} satisfies Record<string, Fixture>;

export type FixtureName = keyof typeof FIXTURES;

/** The app a fixture is built in: the context `cdk synth` gives, Lambda bundling aside. */
export const fixtureApp = (fixture: Fixture, outdir: string) =>
  new App({
    context: contextWith({ stages: '1', ...fixture.context }),
    outdir,
    builtinCloudFormationValidation: fixture.checks?.validation ?? false,
  });
