/**
 * Every configuration key the app reads: what it means, what it allows and its default.
 *
 * This table is the single source for validation (lib/config/load.ts) and for the configuration
 * table in docs/configuration.md (`npm run docs` writes it; a test fails when the page drifts).
 */
import { DATABASE_INSTANCE_SIZES, WEB_INSTANCE_SIZES } from './instance-sizes';
import {
  boolean,
  digits,
  dnsLabel,
  domainName,
  halfSteps,
  listOf,
  matching,
  ok,
  oneOf,
  type Parser,
  refuse,
  uniformOrPerKey,
  wholeNumber,
} from './parse';
import { STAGE_NUMBERS, STAGES, type StageNumber, stageNumberOf } from './stages';

export const WEB_TIERS = ['ec2', 'ecs'] as const;
export type WebTierKind = (typeof WEB_TIERS)[number];

export const DATA_STORES = ['rds', 'dynamodb'] as const;
export type DataStoreKind = (typeof DATA_STORES)[number];

/** How the private subnets reach the internet: managed NAT gateways, or NAT instances. */
export const NAT_PROVIDERS = ['gateway', 'instance'] as const;
export type NatProviderKind = (typeof NAT_PROVIDERS)[number];

/** The stages with private subnets (the web tier's), whose egress goes through NAT. */
export type PrivateTierStage = Exclude<StageNumber, 1 | 2>;
export const PRIVATE_TIER_STAGES = STAGE_NUMBERS.filter((n): n is PrivateTierStage => n >= 3);

/**
 * The NAT each stage starts with. In stages 3 and 4 egress is rare (a server's boot, a secret read)
 * and no request crosses NAT: NAT instances cost a fifth of gateways, which saves a third of stage
 * 3's bill and a quarter of stage 4's, and a NAT instance down costs its zone new servers, not
 * requests. From stage 5 servers come and go all day (scaling, Spot from stage 6), each new one
 * needs egress to start, and a zone that cannot start servers is a zone that cannot scale: the
 * gateways' redundancy is worth a fifth of the bill at the least capacity, less as the stage grows.
 */
export const defaultNatProvider = (stage: PrivateTierStage): NatProviderKind => (stage <= 4 ? 'instance' : 'gateway');

/** The NAT provider of a stage with private subnets. */
export function natProviderOf(config: Pick<Config, 'natProvider'>, stage: StageNumber): NatProviderKind {
  const provider = (config.natProvider as Record<string, NatProviderKind | undefined>)[`${stage}`];
  if (provider === undefined) throw new Error(`stage ${stage} has no private subnets, so no NAT`);
  return provider;
}

export const WAF_MODES = ['block', 'count'] as const;
export type WafMode = (typeof WAF_MODES)[number];

/** CloudFront price classes: where the edge serves from (100: North America and Europe; 200: and most of Asia; All: everywhere). */
export const PRICE_CLASSES = ['100', '200', 'All'] as const;
export type PriceClass = (typeof PRICE_CLASSES)[number];

/**
 * Instance families for the web tier: current general-purpose, compute and memory families. The
 * sizes each comes in are generated into instance-sizes.ts (`npm run instance-sizes`).
 */
export const WEB_INSTANCE_FAMILIES = [
  't3',
  't3a',
  't4g',
  'm5',
  'm5a',
  'm6i',
  'm6a',
  'm6g',
  'm7i',
  'm7a',
  'm7g',
  'c5',
  'c5a',
  'c6i',
  'c6a',
  'c6g',
  'c7i',
  'c7a',
  'c7g',
  'r5',
  'r5a',
  'r6i',
  'r6a',
  'r6g',
  'r7i',
  'r7a',
  'r7g',
] as const;

/** DB instance classes that RDS for PostgreSQL offers (without the `db.` prefix). */
export const DATABASE_INSTANCE_FAMILIES = ['t3', 't4g', 'm5', 'm6i', 'm6g', 'm7i', 'm7g', 'r5', 'r6i', 'r6g', 'r7i', 'r7g'] as const;

const range = (min: number, max: number, step: number) => Array.from({ length: (max - min) / step + 1 }, (_, i) => min + i * step);

/** Fargate task sizes: CPU units and the memory (MiB) each allows, per the ECS developer guide. */
export const FARGATE_MEMORY: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};
const FARGATE_CPU = Object.keys(FARGATE_MEMORY).map(Number);

function instanceType(sizes: Readonly<Record<string, readonly string[]>>, prefix = ''): Parser<string> {
  const families = Object.keys(sizes);
  return {
    allowed: `an instance type "${prefix}<family>.<size>" whose family is one of ${families.join(', ')}, in a size the family comes in`,
    parse(raw) {
      if (typeof raw !== 'string') return refuse();
      const value = raw.trim().toLowerCase();
      const bare = prefix && value.startsWith(prefix) ? value.slice(prefix.length) : value;
      const match = /^([a-z]+\d+[a-z]*)\.([a-z0-9-]+)$/.exec(bare);
      if (!match) return refuse();
      const [, family, size] = match;
      if (!families.includes(family)) return refuse(`"${family}" is not a known family`);
      if (!sizes[family].includes(size)) return refuse(`${prefix}${family} comes in ${sizes[family].join(', ')}`);
      return ok(bare);
    },
  };
}

const stage: Parser<StageNumber> = {
  allowed: `a stage number (${STAGE_NUMBERS.join(', ')}) or stack name (${STAGE_NUMBERS.map((n) => STAGES[n].stackName).join(', ')})`,
  parse: (raw) => {
    const n = stageNumberOf(raw);
    return n === undefined ? refuse() : ok(n);
  },
};

const stageList: Parser<StageNumber[]> = (() => {
  const list = listOf(stage, { minItems: 1, noun: 'stages' });
  return {
    allowed: `"all", or ${list.allowed}`,
    parse(raw) {
      if (raw === 'all') return ok([...STAGE_NUMBERS]);
      const parsed = list.parse(typeof raw === 'number' ? String(raw) : raw);
      return parsed.ok ? ok([...parsed.value].sort()) : parsed;
    },
  };
})();

/** A list of stages, possibly empty: `[]`, `3`, `3,4` or `["Stage3-LoadBalanced"]`. */
const stageSet: Parser<StageNumber[]> = (() => {
  const list = listOf(stage, { minItems: 0, noun: 'stages' });
  return {
    allowed: list.allowed.replace('a list of at least 0 distinct stages', 'a list of distinct stages (possibly empty)'),
    parse(raw) {
      const parsed = list.parse(raw === '' || raw === '[]' ? [] : typeof raw === 'number' ? String(raw) : raw);
      return parsed.ok ? ok([...parsed.value].sort()) : parsed;
    },
  };
})();

/** CloudFront reads viewer certificates and web ACLs from this region only. */
export const EDGE_REGION = 'us-east-1';

/** The stages that serve through CloudFront, whose distributions cannot share the API name. */
export const CDN_STAGES: readonly StageNumber[] = STAGE_NUMBERS.filter((n) => n >= 5);

/**
 * 100 for every stage, but 0 for the CDN stages after the first (stage 6): a name can be on one
 * CloudFront distribution only, so one CDN stage carries the API name unless the configuration says
 * otherwise, and it is the one a user reaches first. A later CDN stage is deployed beside it with
 * weight 0, tried on its own name, and given the name by an explicit weight ("Moving between CDN
 * stages"): adding it never takes the name from a distribution that serves it. The default does
 * not depend on which stages are selected, so a stage's template does not either.
 */
const DEFAULT_WEIGHTS = Object.fromEntries(STAGE_NUMBERS.map((n) => [n, CDN_STAGES.indexOf(n) > 0 ? 0 : 100])) as Record<
  `${StageNumber}`,
  number
>;

/** One configuration key. */
export interface Option<T> {
  /** What the key controls, for docs/configuration.md. */
  readonly description: string;
  readonly parser: Parser<T>;
  /** The value when the key is not set; a function when it follows from other keys. */
  readonly default: T | ((resolved: Partial<Config>) => T);
  /** The default, in words, for docs/configuration.md. */
  readonly defaultInWords: string;
  /** A real deployment must set this key: its default is a placeholder. */
  readonly placeholder?: boolean;
  /** A value given for some of the key's entries only (a JSON object) takes the default's for the others. */
  readonly fillFromDefault?: boolean;
}

/** An RDS snapshot ARN: `arn:aws:rds:<region>:<account>:snapshot:<name>` (or `cluster-snapshot:`). */
export const SNAPSHOT_ARN =
  /^arn:aws(-[a-z]+)*:rds:([a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+):(\d{12}):(snapshot|cluster-snapshot):([a-zA-Z][a-zA-Z0-9-]{0,254})$/;

const AZ = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+[a-z]$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;

/** The validated configuration: every key set, every value checked. Described key by key in `OPTIONS`. */
export interface Config {
  readonly domainName: string;
  readonly hostedZoneId: string;
  readonly recordName: string;
  readonly account: string;
  readonly region: string;
  readonly availabilityZones: readonly string[];
  readonly stages: readonly StageNumber[];
  readonly webTier: WebTierKind;
  readonly dataStore: DataStoreKind;
  readonly instanceType: string;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly desiredCapacity: number | undefined;
  readonly cpuTargetPercent: number;
  readonly requestsPerTarget: number;
  readonly taskCpu: number;
  readonly taskMemoryMiB: number;
  readonly https: boolean;
  /** Per stage, by stage number. */
  readonly weight: Readonly<Record<`${StageNumber}`, number>>;
  /** Per stage with private subnets, by stage number. */
  readonly natProvider: Readonly<Record<`${PrivateTierStage}`, NatProviderKind>>;
  readonly natCount: number;
  readonly natInstanceType: string;
  readonly databaseInstanceType: string;
  readonly databaseStorageGiB: number;
  readonly backupRetentionDays: number;
  readonly deletionProtection: boolean;
  readonly verifyDeployment: boolean;
  readonly readReplicas: number;
  readonly databaseMinAcu: number;
  readonly databaseMaxAcu: number;
  readonly databasePoolSize: number;
  readonly databaseSnapshot: string | undefined;
  readonly existingTable: string | undefined;
  readonly pauseWrites: readonly StageNumber[];
  readonly cacheMaxGiB: number;
  readonly cacheMaxEcpuPerSecond: number;
  readonly wafMode: WafMode;
  readonly wafRateLimit: number;
  readonly priceClass: PriceClass;
  readonly spotPercentage: number;
  readonly onDemandBase: number;
  readonly sessionTtlHours: number;
}

export type ConfigKey = keyof Config;

export const OPTIONS: { readonly [K in ConfigKey]: Option<Config[K]> } = {
  domainName: {
    description: 'The domain the API is served under. A Route 53 public hosted zone for it must exist.',
    parser: domainName(),
    default: 'example.com',
    defaultInWords: '"example.com", a reserved example domain',
    placeholder: true,
  },
  hostedZoneId: {
    description: 'The id of the Route 53 hosted zone for `domainName`. Imported by id: synth never looks it up.',
    parser: matching(
      /^Z[0-9A-Z]{1,32}$/,
      'a Route 53 hosted zone id: "Z" followed by capital letters and digits, such as "Z0123456789ABCDEFGHIJ"',
      (s) => s.replace(/^\/hostedzone\//, ''),
    ),
    default: 'Z0000000000000EXAMPLE',
    defaultInWords: '"Z0000000000000EXAMPLE", a placeholder',
    placeholder: true,
  },
  recordName: {
    description: 'The name clients resolve, under `domainName`: the API lives at `<recordName>.<domainName>`.',
    parser: dnsLabel(),
    default: 'api',
    defaultInWords: '"api"',
  },
  account: {
    description: 'The AWS account every stack deploys to.',
    parser: digits(12, 'a 12-digit AWS account id'),
    default: '123456789012',
    defaultInWords: '"123456789012", a placeholder',
    placeholder: true,
  },
  region: {
    description: 'The AWS region every stack deploys to.',
    parser: matching(REGION, 'an AWS region name such as "us-east-1"'),
    default: 'us-east-1',
    defaultInWords: '"us-east-1"',
  },
  availabilityZones: {
    description:
      'The availability zones the VPCs span. Given here so synth never asks AWS; zone names differ between accounts, so check yours with `aws ec2 describe-availability-zones`.',
    parser: listOf(matching(AZ, 'an availability zone name such as "us-east-1a"'), { minItems: 2, noun: 'zones' }),
    default: (c: Partial<Config>) => [`${c.region}a`, `${c.region}b`],
    defaultInWords: 'the zones "a" and "b" of `region`',
  },
  stages: {
    description: 'Which stage stacks the app creates.',
    parser: stageList,
    default: [...STAGE_NUMBERS],
    defaultInWords: 'all stages',
  },
  webTier: {
    description:
      'Stages 3 and up: how the web tier runs behind the load balancer: `ec2` is an Auto Scaling group of instances, `ecs` an ECS Fargate service.',
    parser: oneOf(WEB_TIERS),
    default: 'ec2',
    defaultInWords: '"ec2"',
  },
  dataStore: {
    description:
      'Stages 2 and up: the data tier: `rds` is PostgreSQL (relational data, joins, transactions), one RDS instance in stages 2 and 3, an Aurora cluster with readers from stage 4; `dynamodb` is an on-demand table (very low latency, key-value access, huge volume), which DynamoDB already replicates across three zones.',
    parser: oneOf(DATA_STORES),
    default: 'rds',
    defaultInWords: '"rds"',
  },
  instanceType: {
    description:
      'The vertical knob: the size of each web server (stages 1 and 2: the one instance; stages 3 and up with `ec2`: each instance). Graviton (`g`) families get an arm64 image.',
    parser: instanceType(WEB_INSTANCE_SIZES),
    default: 't3.small',
    defaultInWords: '"t3.small" (2 vCPU burstable, 2 GiB)',
  },
  minCapacity: {
    description: 'Stages 3 and up, the horizontal knob: the fewest web servers (instances or tasks). At least 2 so one AZ can fail.',
    parser: wholeNumber(2, 100),
    default: 2,
    defaultInWords: '2',
  },
  maxCapacity: {
    description: 'Stages 3 and up, the horizontal knob: the most web servers scaling may add.',
    parser: wholeNumber(2, 100),
    default: 6,
    defaultInWords: '6',
  },
  desiredCapacity: {
    description:
      'Stages 3 and up: a fixed starting size. Left unset, scaling owns the size and a deployment never resets it; set, every deployment resets the size to it.',
    parser: wholeNumber(2, 100),
    default: undefined,
    defaultInWords: 'unset: scaling decides, starting at `minCapacity`',
  },
  cpuTargetPercent: {
    description: 'Stages 3 and up: average CPU utilisation that target-tracking scaling holds the web tier at.',
    parser: wholeNumber(10, 90),
    default: 60,
    defaultInWords: '60',
  },
  requestsPerTarget: {
    description:
      'Stages 3 and up: requests per minute per web server (ALB RequestCountPerTarget) that target-tracking scaling holds. The default comes from the read row of `npx zero-to-millions bench`: 120 to 198 µs of CPU per read from PostgreSQL in the two runs of docs/performance.md (a loaded machine), so one vCPU serves about 5,100 to 8,400 reads/s; a t3.small sustains 0.4 vCPU (its 20 % baseline of 2 vCPUs), about 2,000 to 3,300 reads/s; holding each server at 1,000 requests/s leaves room for slower requests and for the minutes a new server takes to boot.',
    parser: wholeNumber(10, 1_000_000),
    default: 60_000,
    defaultInWords: '60000 (1,000 requests/s per server)',
  },
  taskCpu: {
    description: 'Stages 3 and up with `ecs`: CPU units per Fargate task (1024 = 1 vCPU).',
    parser: {
      allowed: `one of ${FARGATE_CPU.join(', ')}`,
      parse: (raw) => {
        const parsed = wholeNumber(FARGATE_CPU[0], FARGATE_CPU[FARGATE_CPU.length - 1]).parse(raw);
        return parsed.ok && FARGATE_CPU.includes(parsed.value) ? parsed : refuse();
      },
    },
    default: 512,
    defaultInWords: '512 (0.5 vCPU)',
  },
  taskMemoryMiB: {
    description: 'Stages 3 and up with `ecs`: memory per Fargate task, in MiB; must be a combination Fargate offers for `taskCpu`.',
    parser: wholeNumber(512, 122880),
    default: 1024,
    defaultInWords: '1024',
  },
  https: {
    description:
      'Stages 3 and 4: an ACM certificate validated by DNS, an HTTPS listener and HTTP redirected to HTTPS. Stages 1 and 2 serve plain HTTP: an ACM certificate cannot be installed on an instance, one of the reasons for stage 3. From stage 5 the CDN always serves HTTPS to clients, and this key decides whether it reaches the (internal) load balancer over HTTPS too.',
    parser: boolean(),
    default: true,
    defaultInWords: 'true',
  },
  weight: {
    description:
      'The Route 53 weight of each stage\'s record, for moving traffic between stages deployed side by side (see "Moving between stages"). Record it per stage in cdk.json so a later deploy does not undo a cutover. From stage 5 a weight above 0 also puts the API name on the stage\'s CloudFront distribution (at 0 a CDN stage publishes no record of it, only its own name), and a name can be on one distribution only: synth refuses two selected CDN stages above 0 (see "Moving between CDN stages"). Stages an object leaves out keep their default.',
    parser: uniformOrPerKey(STAGE_NUMBERS.map(String) as `${StageNumber}`[], wholeNumber(0, 255), undefined, 'stage number'),
    default: DEFAULT_WEIGHTS,
    defaultInWords: '100, but 0 for stage 6: stage 5 has the API name',
    fillFromDefault: true,
  },
  natProvider: {
    description:
      "Stages 3 and up: how the private web tier reaches the internet (its package installs, the RDS certificate bundle, AWS APIs such as CloudFormation, Secrets Manager and Session Manager; S3 and DynamoDB are reached through free gateway endpoints instead, and requests never cross NAT). `gateway`: managed NAT gateways, redundant within their zone and scaling to 100 Gbit/s, $0.045 an hour and per GB each. `instance`: NAT instances of `natInstanceType` (Amazon Linux 2023, forwarding only HTTPS from the VPC), about a fifth of the price: each is one instance, and when it fails the servers of its zone keep serving, but no new one starts there and none reads a secret again or answers Session Manager, until EC2 recovers it (a host failure) or an alarm reboots it (after three minutes of failed status checks); its bandwidth is its type's. With one per zone (`natCount`) either kind survives the loss of a zone. One value for every stage, or per stage like `weight`.",
    parser: uniformOrPerKey(
      PRIVATE_TIER_STAGES.map(String) as `${PrivateTierStage}`[],
      oneOf(NAT_PROVIDERS),
      undefined,
      'stage with private subnets',
    ),
    default: Object.fromEntries(PRIVATE_TIER_STAGES.map((n) => [n, defaultNatProvider(n)])) as Record<
      `${PrivateTierStage}`,
      NatProviderKind
    >,
    defaultInWords:
      '"instance" in stages 3 and 4, where egress is rare and it saves a quarter to a third of the bill; "gateway" from stage 5, where servers start all day (scaling, Spot) and each needs egress to start',
    fillFromDefault: true,
  },
  natCount: {
    description:
      "Stages 3 and up: how many NAT gateways or instances (`natProvider`), at most one per zone. One per zone keeps each zone's egress in its zone, so the loss of a zone costs no other zone its egress; fewer saves their price but sends the other zones' egress through another zone: a single point of failure, and cross-zone data transfer. Replaces `natGateways`.",
    parser: wholeNumber(1, 6),
    default: (c: Partial<Config>) => c.availabilityZones?.length ?? 2,
    defaultInWords: 'one per availability zone',
  },
  natInstanceType: {
    description:
      "Stages 3 and up with `natProvider` `instance`: the type of each NAT instance. Its network bandwidth is the NAT's: a t4g.nano sustains 32 Mbit/s and bursts to 5 Gbit/s while its network credits last, and each size up doubles what it sustains. Graviton (`g`) families get an arm64 image.",
    parser: instanceType(WEB_INSTANCE_SIZES),
    default: 't4g.nano',
    defaultInWords: '"t4g.nano" (2 vCPU burstable, 0.5 GiB, about $3 a month)',
  },
  databaseInstanceType: {
    description:
      'Stages 2 and 3 with `rds`: the database instance class. With `maxCapacity` and `databasePoolSize` it must accept the connections of the whole web tier (see `databasePoolSize`).',
    parser: instanceType(DATABASE_INSTANCE_SIZES, 'db.'),
    default: 't4g.micro',
    defaultInWords: '"db.t4g.micro"',
  },
  databaseStorageGiB: {
    description: 'Stages 2 and 3 with `rds`: allocated storage (gp3), in GiB. Aurora (stage 4) grows its storage by itself.',
    parser: wholeNumber(20, 65536),
    default: 20,
    defaultInWords: '20',
  },
  backupRetentionDays: {
    description: 'Stages 2 and up with `rds`: days of automated backups (point-in-time recovery window).',
    parser: wholeNumber(1, 35),
    default: 7,
    defaultInWords: '7',
  },
  deletionProtection: {
    description:
      'Protects what holds data from deletion: the database (RDS) or table (DynamoDB), and in stage 1 the one instance (it holds the database). Turn it off, deploy, then destroy.',
    parser: boolean(),
    default: true,
    defaultInWords: 'true',
  },
  readReplicas: {
    description:
      "Stage 4 with `rds`: Aurora readers beside the writer, each in a zone other than the writer's. Reads go to them through the reader endpoint, and each is a failover target: when the writer fails, Aurora promotes one.",
    parser: wholeNumber(1, 15),
    default: 1,
    defaultInWords: '1',
  },
  databaseMinAcu: {
    description:
      'Stage 4 with `rds`: the least Aurora Serverless v2 capacity each database instance keeps, in Aurora capacity units (ACUs: about 2 GiB of memory each, with its CPU). The idle cost follows it: 0.5 ACU is about $44 a month per instance.',
    parser: halfSteps(0.5, 256),
    default: 0.5,
    defaultInWords: '0.5',
  },
  databaseMaxAcu: {
    description:
      'Stage 4 with `rds`: the most capacity each database instance scales to, in ACUs, without a restart. It also sets how many connections PostgreSQL accepts (about 225 per ACU, at most 5000), which the web tier must fit (see `databasePoolSize`).',
    parser: halfSteps(1, 256),
    default: 4,
    defaultInWords: '4 (about 900 connections)',
  },
  databasePoolSize: {
    description:
      'Stages 2 and up with `rds`: connections each web server keeps open to each database endpoint (stage 4 has two: the writer and the readers). `maxCapacity` servers times this, times two from stage 4 (a failover can send both pools to one instance), must stay within 80 % of what the database accepts, which PostgreSQL sets from its memory: LEAST(memory / 9531392, 5000).',
    parser: wholeNumber(1, 100),
    default: 10,
    defaultInWords: '10',
  },
  databaseSnapshot: {
    description:
      'Stage 4 with `rds`: create the cluster from this snapshot of stage 2\'s or 3\'s database (its ARN, in the same region and account) instead of empty. Keep it set for the life of the cluster: changing or removing it replaces the cluster, which then starts from the snapshot again. See "Moving to stage 4 with the data".',
    parser: matching(
      SNAPSHOT_ARN,
      'the ARN of an RDS DB snapshot or DB cluster snapshot, such as "arn:aws:rds:us-east-1:123456789012:snapshot:stage3-final"',
    ),
    default: undefined,
    defaultInWords: 'unset: an empty database',
  },
  pauseWrites: {
    description:
      'Stages 3 and up: pause writes at the load balancer of these stages while their data moves to a later stage: `POST`, `PUT`, `PATCH` and `DELETE` are answered 503 with a body that says why; reads go on. Deploying the change takes seconds (a listener rule), not a rollout. See "Moving to stage 4 with the data".',
    parser: stageSet,
    default: [],
    defaultInWords: 'none',
  },
  existingTable: {
    description:
      'Stages 2 and up with `dynamodb`: adopt this table (its name) instead of creating one, such as the table an earlier stage kept: nothing moves. The stage reads and writes it but does not own it: deleting the stage leaves it, and its protection stays as it is.',
    parser: matching(/^[a-zA-Z0-9_.-]{3,255}$/, 'a DynamoDB table name: 3 to 255 letters, digits, "_", "-" or "."'),
    default: undefined,
    defaultInWords: 'unset: the stage creates its table',
  },
  cacheMaxGiB: {
    description:
      'Stages 5 and up: the most data the managed cache (ElastiCache Serverless for Valkey) may hold, in GB: a ceiling on its bill (about $61 a month per GB held all month). Writes beyond it evict the least recently used items; a cache holds nothing that is not also in the database.',
    parser: wholeNumber(1, 5000),
    default: 1,
    defaultInWords: '1',
  },
  cacheMaxEcpuPerSecond: {
    description:
      'Stages 5 and up: the most ElastiCache Processing Units per second the cache may use (a simple GET or SET of a small item is about one): a ceiling on its bill and its throughput. Beyond it the cache throttles, and the service reads from the database instead.',
    parser: wholeNumber(1000, 15_000_000),
    default: 10_000,
    defaultInWords: '10000',
  },
  wafMode: {
    description:
      'Stages 5 and up: what the web application firewall on the CDN does with a request its rules match: `block` answers 403 (429 for the rate limit); `count` only counts it in the metrics, to learn what the rules would block before blocking it.',
    parser: oneOf(WAF_MODES),
    default: 'block',
    defaultInWords: '"block"',
  },
  wafRateLimit: {
    description:
      "Stages 5 and up: requests one client IP address may make in any 5 minutes before the firewall's rate rule applies to it. Clients behind one NAT share an address: raise it for them.",
    parser: wholeNumber(10, 2_000_000_000),
    default: 2000,
    defaultInWords: '2000 (about 7 requests/s sustained)',
  },
  priceClass: {
    description:
      'Stages 5 and up: where the CDN serves from: `100` is North America and Europe (the cheapest), `200` adds most of Asia, the Middle East and Africa, `All` is every edge location. Clients elsewhere are served from the nearest included location.',
    parser: oneOf(PRICE_CLASSES),
    default: '100',
    defaultInWords: '"100"',
  },
  spotPercentage: {
    description:
      "Stages 6 and up: the share of web capacity above `onDemandBase` that runs on Spot (EC2 Spot instances across several interchangeable types, or Fargate Spot), at a fraction of the on-demand price. A stateless server can be taken back with two minutes' notice and lose nothing; the base keeps a floor of on-demand servers when Spot capacity is short. 0 runs everything on demand; AWS rounds a fraction of a server in favour of on demand.",
    parser: wholeNumber(0, 100),
    default: 100,
    defaultInWords: '100 (every server above the base)',
  },
  onDemandBase: {
    description:
      'Stages 6 and up: web servers that always run on demand, whatever Spot capacity does, before `spotPercentage` applies to the rest. At most `minCapacity`.',
    parser: wholeNumber(0, 100),
    default: 1,
    defaultInWords: '1',
  },
  sessionTtlHours: {
    description:
      'Stages 6 and up: how long a session lives after it was last used, in hours; the shared store (the cache, or DynamoDB with `dynamodb`) forgets it then.',
    parser: wholeNumber(1, 720),
    default: 24,
    defaultInWords: '24',
  },
  verifyDeployment: {
    description:
      'Prove during each stage deployment that it serves: a Lambda run by a CDK trigger checks that Route 53 holds the stage\'s records (a CDN stage at weight 0: its own name\'s) pointing at it and in sync, that /healthz answers 200 and /readyz says "ready" (not "degraded") through its front; if not, the deployment rolls back.',
    parser: boolean(),
    default: true,
    defaultInWords: 'true',
  },
};

export const CONFIG_KEYS = Object.keys(OPTIONS) as ConfigKey[];

/** Keys that were renamed: a configuration that still sets one is told the new name. */
export const RENAMED_KEYS: Readonly<Record<string, { readonly key: ConfigKey; readonly why: string }>> = {
  natGateways: { key: 'natCount', why: 'it counts NAT instances too (see natProvider)' },
};

/** The keys that still hold their placeholder default: a stack synthesizes with them but cannot deploy. */
export function placeholdersIn(config: Config): ConfigKey[] {
  return CONFIG_KEYS.filter((key) => {
    const spec = OPTIONS[key] as Option<unknown>;
    return spec.placeholder === true && config[key] === spec.default;
  });
}
