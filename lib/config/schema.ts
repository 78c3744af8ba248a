/**
 * Every configuration key the app reads: what it means, what it allows and its default.
 *
 * This table is the single source for validation (lib/config/load.ts) and for the configuration
 * table in the README (`npm run docs` writes it; a test fails when the README drifts).
 */
import { DATABASE_INSTANCE_SIZES, WEB_INSTANCE_SIZES } from './instance-sizes';
import {
  boolean,
  digits,
  dnsLabel,
  domainName,
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

/** One configuration key. */
export interface Option<T> {
  /** What the key controls, for the README. */
  readonly description: string;
  readonly parser: Parser<T>;
  /** The value when the key is not set; a function when it follows from other keys. */
  readonly default: T | ((resolved: Partial<Config>) => T);
  /** The default, in words, for the README. */
  readonly defaultInWords: string;
  /** A real deployment must set this key: its default is a placeholder. */
  readonly placeholder?: boolean;
}

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
  readonly natGateways: number;
  readonly databaseInstanceType: string;
  readonly databaseStorageGiB: number;
  readonly backupRetentionDays: number;
  readonly deletionProtection: boolean;
  readonly verifyDeployment: boolean;
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
      'Stage 3: how the web tier runs behind the load balancer: `ec2` is an Auto Scaling group of instances, `ecs` an ECS Fargate service.',
    parser: oneOf(WEB_TIERS),
    default: 'ec2',
    defaultInWords: '"ec2"',
  },
  dataStore: {
    description:
      'Stages 2 and 3: the data tier: `rds` is PostgreSQL on RDS (relational data, joins, transactions); `dynamodb` is an on-demand table (very low latency, key-value access, huge volume).',
    parser: oneOf(DATA_STORES),
    default: 'rds',
    defaultInWords: '"rds"',
  },
  instanceType: {
    description:
      'The vertical knob: the size of each web server (stages 1 and 2: the one instance; stage 3 `ec2`: each instance). Graviton (`g`) families get an arm64 image.',
    parser: instanceType(WEB_INSTANCE_SIZES),
    default: 't3.small',
    defaultInWords: '"t3.small" (2 vCPU burstable, 2 GiB)',
  },
  minCapacity: {
    description: 'Stage 3, the horizontal knob: the fewest web servers (instances or tasks). At least 2 so one AZ can fail.',
    parser: wholeNumber(2, 100),
    default: 2,
    defaultInWords: '2',
  },
  maxCapacity: {
    description: 'Stage 3, the horizontal knob: the most web servers scaling may add.',
    parser: wholeNumber(2, 100),
    default: 6,
    defaultInWords: '6',
  },
  desiredCapacity: {
    description:
      'Stage 3: a fixed starting size. Left unset, scaling owns the size and a deployment never resets it; set, every deployment resets the size to it.',
    parser: wholeNumber(2, 100),
    default: undefined,
    defaultInWords: 'unset: scaling decides, starting at `minCapacity`',
  },
  cpuTargetPercent: {
    description: 'Stage 3: average CPU utilisation that target-tracking scaling holds the web tier at.',
    parser: wholeNumber(10, 90),
    default: 60,
    defaultInWords: '60',
  },
  requestsPerTarget: {
    description:
      'Stage 3: requests per minute per web server (ALB RequestCountPerTarget) that target-tracking scaling holds. The default comes from `npm run bench`: one Node process of the service served about 13,800 reads/s from PostgreSQL on loopback (about one vCPU); a t3.small sustains 0.4 vCPU (its 20 % baseline of 2 vCPUs), about 5,500 reads/s; holding each server at 1,000 requests/s leaves room for slower requests and for the minutes a new server takes to boot.',
    parser: wholeNumber(10, 1_000_000),
    default: 60_000,
    defaultInWords: '60000 (1,000 requests/s per server)',
  },
  taskCpu: {
    description: 'Stage 3 `ecs`: CPU units per Fargate task (1024 = 1 vCPU).',
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
    description: 'Stage 3 `ecs`: memory per Fargate task, in MiB; must be a combination Fargate offers for `taskCpu`.',
    parser: wholeNumber(512, 122880),
    default: 1024,
    defaultInWords: '1024',
  },
  https: {
    description:
      'Stage 3: an ACM certificate validated by DNS, an HTTPS listener and HTTP redirected to HTTPS. Stages 1 and 2 serve plain HTTP: an ACM certificate cannot be installed on an instance, one of the reasons for stage 3.',
    parser: boolean(),
    default: true,
    defaultInWords: 'true',
  },
  weight: {
    description:
      'The Route 53 weight of each stage\'s record, for moving traffic between stages deployed side by side (see "Moving between stages"). Record it per stage in cdk.json so a later deploy does not undo a cutover.',
    parser: uniformOrPerKey(STAGE_NUMBERS.map(String) as `${StageNumber}`[], wholeNumber(0, 255), 100, 'stage number'),
    default: Object.fromEntries(STAGE_NUMBERS.map((n) => [n, 100])) as Record<`${StageNumber}`, number>,
    defaultInWords: '100 for every stage',
  },
  natGateways: {
    description:
      "Stage 3: NAT gateways for the private web tier's egress. One per zone keeps egress working when a zone fails; fewer saves money and leaves a single point of failure for egress.",
    parser: wholeNumber(1, 6),
    default: (c: Partial<Config>) => c.availabilityZones?.length ?? 2,
    defaultInWords: 'one per availability zone',
  },
  databaseInstanceType: {
    description: 'Stages 2 and 3 `rds`: the database instance class.',
    parser: instanceType(DATABASE_INSTANCE_SIZES, 'db.'),
    default: 't4g.micro',
    defaultInWords: '"db.t4g.micro"',
  },
  databaseStorageGiB: {
    description: 'Stages 2 and 3 `rds`: allocated storage (gp3), in GiB.',
    parser: wholeNumber(20, 65536),
    default: 20,
    defaultInWords: '20',
  },
  backupRetentionDays: {
    description: 'Stages 2 and 3 `rds`: days of automated backups (point-in-time recovery window).',
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
  verifyDeployment: {
    description:
      'Prove during each stage deployment that it serves: a Lambda run by a CDK trigger checks the record is in sync, that Route 53 answers with the stage, and that /healthz answers 200 through it; if not, the deployment rolls back.',
    parser: boolean(),
    default: true,
    defaultInWords: 'true',
  },
};

export const CONFIG_KEYS = Object.keys(OPTIONS) as ConfigKey[];

/** The keys that still hold their placeholder default: a stack synthesizes with them but cannot deploy. */
export function placeholdersIn(config: Config): ConfigKey[] {
  return CONFIG_KEYS.filter((key) => {
    const spec = OPTIONS[key] as Option<unknown>;
    return spec.placeholder === true && config[key] === spec.default;
  });
}
