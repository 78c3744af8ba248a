/**
 * Reads the configuration from CDK context (cdk.json and `-c key=value`) and validates all of it
 * at once, before any stack is built: a user fixes a bad configuration in one pass, and a bad
 * configuration creates nothing.
 */

import { CONNECTION_HEADROOM, GIB_PER_ACU, instanceMemoryGiB, maxConnections, usableConnections } from './connections';
import { DATABASE_INSTANCE_SIZES } from './instance-sizes';
import { show } from './parse';
import { CDN_STAGES, CONFIG_KEYS, type Config, type ConfigKey, FARGATE_MEMORY, OPTIONS, type Option, RENAMED_KEYS } from './schema';
import type { StageNumber } from './stages';

/** Thrown when the configuration has problems; `problems` lists each, one line per key. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `The zero-to-millions configuration has ${problems.length} problem${problems.length === 1 ? '' : 's'}; no stack was created.\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nSet values in cdk.json "context" or with -c key=value; docs/configuration.md lists every key.',
    );
    this.name = 'ConfigError';
  }
}

/**
 * The context keys the CDK itself owns, by their real prefixes: feature flags (`@aws-cdk/...`,
 * `@aws-cdk-containers/...`), the toolkit's settings (`aws:cdk:...`), the CLI's own records, and the
 * results of context lookups cached in cdk.context.json (`<provider>:...`, one prefix per context
 * provider in the cloud assembly schema). Every other key is a configuration key: ours, or a typo
 * to report, whatever characters it contains.
 */
export const CDK_KEY_PREFIXES = ['@aws-cdk/', '@aws-cdk-containers/', 'aws:cdk:'] as const;
export const CDK_KEYS = ['acknowledged-issue-numbers', 'cli-telemetry'] as const;
export const CONTEXT_PROVIDERS = [
  'ami',
  'availability-zones',
  'cc-api-provider',
  'endpoint-service-availability-zones',
  'hosted-zone',
  'key-provider',
  'load-balancer',
  'load-balancer-listener',
  'plugin',
  'security-group',
  'ssm',
  'vpc-provider',
] as const;

export function isCdkOwnKey(key: string): boolean {
  return (
    CDK_KEY_PREFIXES.some((prefix) => key.startsWith(prefix)) ||
    (CDK_KEYS as readonly string[]).includes(key) ||
    CONTEXT_PROVIDERS.some((provider) => key.startsWith(`${provider}:`))
  );
}

/** Turns raw context into a validated configuration, or throws a `ConfigError` naming every problem. */
export function loadConfig(context: Readonly<Record<string, unknown>>): Config {
  const problems: string[] = [];
  const resolved: Partial<Record<ConfigKey, unknown>> = {};
  const failed = new Set<ConfigKey>();

  for (const key of Object.keys(context).sort()) {
    const renamed = Object.hasOwn(RENAMED_KEYS, key) ? RENAMED_KEYS[key] : undefined;
    if (renamed) {
      problems.push(
        `${key}: renamed ${renamed.key}, as ${renamed.why}; allowed: set ${renamed.key} instead (${OPTIONS[renamed.key].parser.allowed})`,
      );
    } else if (!isCdkOwnKey(key) && !(CONFIG_KEYS as string[]).includes(key)) {
      const guess = closest(key, CONFIG_KEYS);
      problems.push(`${key}: unknown option${guess ? ` (did you mean "${guess}"?)` : ''}; allowed options: ${CONFIG_KEYS.join(', ')}`);
    }
  }

  for (const key of CONFIG_KEYS) {
    const spec = OPTIONS[key] as Option<unknown>;
    const raw = context[key];
    const byDefault = () =>
      typeof spec.default === 'function' ? (spec.default as (c: Partial<Config>) => unknown)(resolved as Partial<Config>) : spec.default;
    if (raw === undefined || raw === null) {
      resolved[key] = byDefault();
      continue;
    }
    const parsed = spec.parser.parse(raw);
    if (parsed.ok) {
      resolved[key] = spec.fillFromDefault ? { ...(byDefault() as object), ...(parsed.value as object) } : parsed.value;
    } else {
      failed.add(key);
      problems.push(`${key}: got ${show(raw)}${parsed.why ? ` (${parsed.why})` : ''}; allowed: ${spec.parser.allowed}`);
    }
  }

  // Rules between keys, checked only where every key involved is itself valid.
  const c = resolved as Config;
  const valid = (...keys: ConfigKey[]) => keys.every((k) => !failed.has(k));
  if (valid('minCapacity', 'maxCapacity') && c.minCapacity > c.maxCapacity) {
    problems.push(
      `minCapacity: got ${c.minCapacity}, which is greater than maxCapacity (${c.maxCapacity}); allowed: minCapacity <= maxCapacity`,
    );
  }
  if (valid('minCapacity', 'maxCapacity', 'desiredCapacity') && c.desiredCapacity !== undefined && c.minCapacity <= c.maxCapacity) {
    if (c.desiredCapacity < c.minCapacity || c.desiredCapacity > c.maxCapacity) {
      problems.push(
        `desiredCapacity: got ${c.desiredCapacity}, which is outside minCapacity..maxCapacity (${c.minCapacity}..${c.maxCapacity}); allowed: a number from minCapacity to maxCapacity, or unset`,
      );
    }
  }
  if (valid('region', 'availabilityZones')) {
    const foreign = c.availabilityZones.filter((az) => !new RegExp(`^${c.region}[a-z]$`).test(az));
    if (foreign.length > 0) {
      problems.push(
        `availabilityZones: got ${show(foreign)}, which ${foreign.length === 1 ? 'is' : 'are'} not in region ${c.region}; allowed: zones of region ${c.region}, such as "${c.region}a"`,
      );
    }
  }
  if (valid('availabilityZones', 'natCount') && c.natCount > c.availabilityZones.length) {
    problems.push(
      `natCount: got ${c.natCount}, more than the ${c.availabilityZones.length} availability zones; allowed: 1 to ${c.availabilityZones.length} (one NAT gateway or instance per zone at most)`,
    );
  }
  // A NAT instance type with no NAT instance to apply to is a switch the user believes is on.
  if (valid('natProvider', 'natInstanceType') && context.natInstanceType != null && !Object.values(c.natProvider).includes('instance')) {
    problems.push(
      `natInstanceType: got ${show(context.natInstanceType)}, but natProvider is "gateway" for every stage, so no NAT instance uses it; allowed: natProvider "instance" for a stage (such as -c natProvider=instance), or natInstanceType unset`,
    );
  }
  if (valid('taskCpu', 'taskMemoryMiB') && !FARGATE_MEMORY[c.taskCpu].includes(c.taskMemoryMiB)) {
    problems.push(
      `taskCpu, taskMemoryMiB: got ${c.taskCpu} and ${c.taskMemoryMiB}, a task size Fargate does not offer; allowed with taskCpu ${c.taskCpu}: taskMemoryMiB ${FARGATE_MEMORY[c.taskCpu].join(', ')}`,
    );
  }

  if (valid('databaseMinAcu', 'databaseMaxAcu') && c.databaseMinAcu > c.databaseMaxAcu) {
    problems.push(
      `databaseMinAcu: got ${c.databaseMinAcu}, which is greater than databaseMaxAcu (${c.databaseMaxAcu}); allowed: databaseMinAcu <= databaseMaxAcu`,
    );
  }
  if (valid('databaseSnapshot', 'region') && c.databaseSnapshot !== undefined) {
    const region = c.databaseSnapshot.split(':')[3];
    if (region !== c.region) {
      problems.push(
        `databaseSnapshot: got ${show(c.databaseSnapshot)}, which is in ${region}, not in region ${c.region}; allowed: a snapshot in ${c.region} (copy it across regions first)`,
      );
    }
  }
  if (valid('pauseWrites')) {
    const without = c.pauseWrites.filter((s) => s < 3);
    if (without.length > 0) {
      problems.push(
        `pauseWrites: got ${show(c.pauseWrites)}; ${without.length === 1 ? `stage ${without[0]} has` : `stages ${without.join(' and ')} have`} no load balancer to pause writes at; allowed: stages 3 and up (to move stage 2's data, stop its server: its writes stop with it)`,
      );
    }
  }
  if (valid('onDemandBase', 'minCapacity') && c.onDemandBase > c.minCapacity) {
    problems.push(
      `onDemandBase: got ${c.onDemandBase}, more than minCapacity (${c.minCapacity}); allowed: 0 to minCapacity (${c.minCapacity}) servers always on demand`,
    );
  }
  // ACM refuses a certificate whose first name is longer than 64 characters, minutes into a deploy.
  if (valid('recordName', 'domainName', 'stages', 'https') && c.stages.some((s) => s >= 5 || (s >= 3 && c.https))) {
    const name = `${c.recordName}.${c.domainName}`;
    if (name.length > 64) {
      problems.push(
        `recordName, domainName: got ${show(name)}, ${name.length} characters; allowed: at most 64 characters for ${'`<recordName>.<domainName>`'}, the name of the certificate of stages 3 and up (ACM's limit)`,
      );
    }
  }
  // The CDN's certificate and firewall live in us-east-1 of the commercial partition: CloudFront is not in the others.
  if (valid('region', 'stages') && c.stages.some((s) => s >= 5) && /^(cn|us-gov|us-iso[a-z]?)-/.test(c.region)) {
    const cdn = c.stages.filter((s) => s >= 5);
    problems.push(
      `region: got ${show(c.region)}, outside AWS's commercial partition, where the CDN of ${cdn.length === 1 ? 'stage' : 'stages'} ${cdn.join(' and ')} cannot be built (CloudFront with its certificate and firewall in us-east-1); allowed: a commercial region, or stages below 5`,
    );
  }
  // An alternate domain name can be on one CloudFront distribution only: the second stage to deploy would fail minutes in.
  if (valid('stages', 'weight')) {
    const claiming = c.stages.filter((s) => CDN_STAGES.includes(s) && c.weight[`${s}`] > 0);
    if (claiming.length > 1) {
      const name = valid('recordName', 'domainName') ? `${c.recordName}.${c.domainName}` : '`<recordName>.<domainName>`';
      const others = claiming.slice(1);
      problems.push(
        `weight, stages: got ${claiming.map((s) => `${s}: ${c.weight[`${s}`]}`).join(', ')} for CDN stages ${claiming.join(' and ')}, so each would put ${name} on its CloudFront distribution, and a name can be on one distribution only (the second to deploy fails with CNAMEAlreadyExists); allowed: a weight above 0 for at most one selected CDN stage: give the others 0 ("weight": ${JSON.stringify(Object.fromEntries(others.map((s) => [s, 0])))}), or select only one of them (-c stages=...)`,
      );
    }
  }
  problems.push(...connectionProblems(c, valid));

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(c);
}

/**
 * The web tier's connections against what the database accepts (./connections.ts), for each
 * selected stage with a relational database that several web servers share. Each fix the message
 * offers is computed, and offered only when it fits the budget and every key it changes allows it.
 */
function connectionProblems(c: Config, valid: (...keys: ConfigKey[]) => boolean): string[] {
  if (!valid('stages', 'dataStore', 'maxCapacity', 'databasePoolSize') || c.dataStore !== 'rds') return [];
  const demands: Demand[] = [];
  if (c.stages.includes(3) && valid('databaseInstanceType')) {
    const memory = instanceMemoryGiB(c.databaseInstanceType);
    if (memory !== undefined) {
      demands.push({
        stages: [3],
        key: 'databaseInstanceType',
        pools: 1,
        database: `db.${c.databaseInstanceType}`,
        memory,
        larger: (wanted) => largerInstance(c.databaseInstanceType, wanted),
        largest: () => largerInstance(c.databaseInstanceType, Number.POSITIVE_INFINITY, true),
      });
    }
  }
  const aurora = c.stages.filter((s) => s >= 4);
  if (aurora.length > 0 && valid('databaseMaxAcu')) {
    demands.push({
      stages: aurora,
      key: 'databaseMaxAcu',
      pools: 2,
      database: `Aurora Serverless v2 at ${c.databaseMaxAcu} ACU`,
      memory: GIB_PER_ACU * c.databaseMaxAcu,
      larger: (wanted) => largerCapacity(c.databaseMaxAcu, wanted),
      largest: () => largerCapacity(c.databaseMaxAcu, Number.POSITIVE_INFINITY, true),
    });
  }
  // maxCapacity may not go below the servers the configuration already asks for.
  const fewestServers = Math.max(2, valid('minCapacity') ? c.minCapacity : 2, valid('desiredCapacity') ? (c.desiredCapacity ?? 2) : 2);
  return demands.flatMap(({ stages, key, pools, database, memory, larger, largest }) => {
    const wanted = c.maxCapacity * pools * c.databasePoolSize;
    const usable = usableConnections(memory);
    if (wanted <= usable) return [];
    const fits = (servers: number, pool: number, gib: number) => servers * pools * pool <= usableConnections(gib);
    const fewer = Math.floor(usable / (c.maxCapacity * pools));
    const servers = Math.floor(usable / (pools * c.databasePoolSize));
    const bigger = larger(wanted);
    const fixes = [
      fewer >= 1 && fits(c.maxCapacity, fewer, memory) ? `databasePoolSize ${fewer}` : undefined,
      servers >= fewestServers && fits(servers, c.databasePoolSize, memory) ? `maxCapacity ${servers}` : undefined,
      bigger && fits(c.maxCapacity, c.databasePoolSize, bigger.memory) ? `${key} ${bigger.value}` : undefined,
    ].filter((f): f is string => f !== undefined);
    if (fixes.length === 0) {
      // No one key is enough: the largest database there is, with the pool size that then fits.
      const top = largest();
      const pool = top ? Math.floor(usableConnections(top.memory) / (c.maxCapacity * pools)) : 0;
      if (top && pool >= 1 && fits(c.maxCapacity, pool, top.memory)) fixes.push(`${key} ${top.value} with databasePoolSize ${pool}`);
    }
    const ceiling = bigger
      ? ''
      : ` (no ${key} holds ${wanted}: PostgreSQL accepts at most ${maxConnections(Number.POSITIVE_INFINITY)} connections)`;
    const opening = `${c.maxCapacity} web servers × ${pools === 2 ? '2 pools (writer and readers) × ' : ''}${c.databasePoolSize} connections = ${wanted}`;
    return [
      `maxCapacity, databasePoolSize, ${key}: got ${opening} in stage ${stages.join(', ')}, more than ${database} accepts (${usable} of its ${maxConnections(memory)}, keeping ${100 - 100 * CONNECTION_HEADROOM} % in reserve); allowed: at most ${usable} connections: ${fixes.join(', or ')}${ceiling}`,
    ];
  });
}

interface Demand {
  readonly stages: StageNumber[];
  /** The key that sizes the database. */
  readonly key: 'databaseInstanceType' | 'databaseMaxAcu';
  /** Pools each web server opens to it. */
  readonly pools: number;
  readonly database: string;
  readonly memory: number;
  /** The smallest setting of `key` whose connections hold `wanted`, if there is one. */
  larger(wanted: number): Sized | undefined;
  /** The setting of `key` with the most connections. */
  largest(): Sized | undefined;
}

/** A value of a database key, with the memory it gives. */
interface Sized {
  readonly value: string;
  readonly memory: number;
}

/**
 * The smallest database instance class that holds `wanted` connections: in the same family when one
 * does (the least change), else in any family the configuration offers; or, with `most`, the class
 * with the most connections.
 */
function largerInstance(current: string, wanted: number, most = false): Sized | undefined {
  const classes = Object.entries(DATABASE_INSTANCE_SIZES)
    .flatMap(([family, sizes]) =>
      sizes.map((size) => ({ family, value: `${family}.${size}`, memory: instanceMemoryGiB(`${family}.${size}`) })),
    )
    .filter((s): s is { family: string; value: string; memory: number } => s.memory !== undefined)
    .sort((a, b) => a.memory - b.memory);
  if (most) {
    const top = classes.filter((s) => usableConnections(s.memory) === usableConnections(classes.at(-1)!.memory));
    const pick = top.find((s) => s.family === current.split('.')[0]) ?? top[0];
    return pick && { value: `db.${pick.value}`, memory: pick.memory };
  }
  const holding = classes.filter((s) => usableConnections(s.memory) >= wanted);
  const pick = holding.find((s) => s.family === current.split('.')[0]) ?? holding[0];
  return pick && { value: `db.${pick.value}`, memory: pick.memory };
}

/** The smallest databaseMaxAcu above `current` whose connections hold `wanted`, or, with `most`, the one with the most connections. */
function largerCapacity(current: number, wanted: number, most = false): Sized | undefined {
  const [min, max, step] = [1, 256, 0.5];
  if (most) {
    // The fewest ACUs that reach PostgreSQL's ceiling: more memory adds no connections.
    for (let acu = min; acu <= max; acu += step)
      if (usableConnections(GIB_PER_ACU * acu) === usableConnections(GIB_PER_ACU * max))
        return { value: String(acu), memory: GIB_PER_ACU * acu };
    return undefined;
  }
  for (let acu = Math.max(min, current + step); acu <= max; acu += step)
    if (usableConnections(GIB_PER_ACU * acu) >= wanted) return { value: String(acu), memory: GIB_PER_ACU * acu };
  return undefined;
}

/** A key without case and separators: `min-capacity`, `min_capacity`, `MIN.CAPACITY` all read `mincapacity`. */
const folded = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * The known key a misspelt one most likely meant: the same key in another spelling (kebab-case,
 * snake_case, dotted, another case), or the nearest by edit distance when it is near enough.
 */
export function closest(key: string, known: readonly string[]): string | undefined {
  const same = known.find((k) => folded(k) === folded(key));
  if (same) return same;
  const distance = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let diagonal = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const above = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
        diagonal = above;
      }
    }
    return row[b.length];
  };
  const scored = known.map((k) => ({ k, d: distance(folded(key), folded(k)) })).sort((x, y) => x.d - y.d);
  return scored[0] && scored[0].d <= Math.max(2, Math.floor(key.length / 4)) ? scored[0].k : undefined;
}
