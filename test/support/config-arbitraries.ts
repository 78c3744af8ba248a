/**
 * Generators of configurations for property-based tests: values a user may write (as JSON in
 * cdk.json or as strings from -c) that the README says are allowed, and values it says are not.
 *
 * The invalid generators are built from the README's allowed values, not from the parsers, so the
 * test does not take the implementation as its own oracle: a generated invalid value is invalid by
 * the documentation, whatever the code thinks.
 */
import fc from 'fast-check';
import { CONFIG_KEYS, ConfigError, type ConfigKey, loadConfig, STAGE_NUMBERS, STAGES } from '../../lib/config';
import { instanceMemoryGiB } from '../../lib/config/connections';
import { cdkJsonContext } from '../../lib/config/context';
import { DATABASE_INSTANCE_SIZES, WEB_INSTANCE_SIZES } from '../../lib/config/instance-sizes';
import { isCdkOwnKey } from '../../lib/config/load';
import { FARGATE_MEMORY } from '../../lib/config/schema';

/**
 * The fuzzing budget: `npm test` checks 50 bad and 50 allowed configurations against `loadConfig`
 * (about a tenth of a second each way); `npm run test:matrix` checks 10,000 of each with the same
 * seed and properties (fast-check draws the same first cases from a seed, so these are npm test's
 * and 9,950 more), and synthesizes 20 allowed ones through every check. FUZZ_RUNS and FUZZ_SEED
 * override both counts and the seed (for example to reproduce a failure fast-check reports, with the
 * seed and path it prints).
 */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261125);
export const REJECTION_RUNS = Number(process.env.FUZZ_RUNS ?? 50);
export const MATRIX_REJECTION_RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
export const SYNTHESIZED_RUNS = 20;

/** A number as cdk.json holds it, or as -c passes it. */
const spelled = (n: fc.Arbitrary<number>) => n.chain((v) => fc.constantFrom<unknown>(v, String(v)));
const bool = fc.boolean().chain((b) => fc.constantFrom<unknown>(b, String(b)));
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?$/);

/** Values that are never a valid string of any kind here: wrong types, empty, non-ASCII, inner spaces, huge. */
const notAString = fc.oneof(
  fc.constant(''),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 3 }).filter((a) => a.length !== 1),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { minKeys: 1, maxKeys: 2 }),
  fc.tuple(fc.string({ maxLength: 5 }), fc.string({ unit: 'grapheme', maxLength: 5 })).map(([a, b]) => `${a}ü${b}`),
  fc.tuple(label, label).map(([a, b]) => `${a} ${b}`),
  fc.constant(`${'a'.repeat(10_000)}ü`),
);

/** Whole numbers outside [min, max], fractions, non-numbers. */
const notAWholeNumberIn = (min: number, max: number) =>
  fc.oneof(
    spelled(fc.integer({ min: -1_000_000, max: min - 1 })),
    spelled(fc.integer({ min: max + 1, max: 2 ** 53 - 1 })),
    spelled(fc.double({ min: min + 0.01, max: max - 0.01, noNaN: true }).filter((d) => !Number.isInteger(d))),
    fc.constantFrom<unknown>('', 'lots', '1e3x', true, [], {}, Number.MAX_VALUE),
  );

const notABoolean = fc.oneof(
  fc.constantFrom<unknown>('yes', 'no', 'TRUE', '1', 0, 1, '', [], {}),
  fc.string({ minLength: 6, maxLength: 8 }),
);

/** An instance type that exists: a family and one of its sizes. */
const typeOf = (sizes: Readonly<Record<string, readonly string[]>>) =>
  fc.constantFrom(...Object.keys(sizes)).chain((family) => fc.constantFrom(...sizes[family]).map((size) => `${family}.${size}`));

/** Zones of a region, 2 or 3 of them, as a list or a comma-separated string. */
const zonesOf = (region: string) =>
  fc
    .uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 2, maxLength: 3 })
    .map((letters) => letters.map((l) => `${region}${l}`))
    .chain((zones) => fc.constantFrom<unknown>(zones, zones.join(','), JSON.stringify(zones)));

/** A configuration the README allows: every key optional, related keys consistent with each other. */
export const validConfiguration: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    placement: fc.option(
      fc
        .constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2')
        .chain((region) =>
          fc.record(
            { region: fc.constant<unknown>(region), availabilityZones: fc.option(zonesOf(region), { nil: undefined }) },
            { requiredKeys: ['region'] },
          ),
        ),
      { nil: undefined },
    ),
    capacity: fc.option(
      fc
        .integer({ min: 2, max: 100 })
        .chain((min) =>
          fc
            .integer({ min, max: 100 })
            .chain((max) =>
              fc.record({ min: fc.constant(min), max: fc.constant(max), desired: fc.option(fc.integer({ min, max }), { nil: undefined }) }),
            ),
        ),
      { nil: undefined },
    ),
    task: fc.option(
      fc
        .constantFrom(...Object.keys(FARGATE_MEMORY).map(Number))
        .chain((cpu) => fc.record({ cpu: fc.constant(cpu), memory: fc.constantFrom(...FARGATE_MEMORY[cpu]) })),
      { nil: undefined },
    ),
    rest: fc.record(
      {
        domainName: fc.tuple(label, fc.constantFrom('com', 'org', 'io', 'xn--p1ai')).map(([l, tld]) => `${l}.${tld}`),
        hostedZoneId: fc.stringMatching(/^Z[0-9A-Z]{5,21}$/),
        recordName: label,
        account: fc.stringMatching(/^\d{12}$/),
        stages: fc.subarray([...STAGE_NUMBERS], { minLength: 1 }).chain((s) =>
          fc.constantFrom<unknown>(
            s,
            s.join(','),
            s.map((n) => STAGES[n].stackName),
          ),
        ),
        webTier: fc.constantFrom('ec2', 'ecs'),
        dataStore: fc.constantFrom('rds', 'dynamodb'),
        instanceType: typeOf(WEB_INSTANCE_SIZES),
        cpuTargetPercent: spelled(fc.integer({ min: 10, max: 90 })),
        requestsPerTarget: spelled(fc.integer({ min: 10, max: 1_000_000 })),
        https: bool,
        weight: fc.oneof(
          spelled(fc.integer({ min: 0, max: 255 })),
          fc.dictionary(fc.constantFrom(...STAGE_NUMBERS.map(String)), fc.integer({ min: 0, max: 255 }), { maxKeys: STAGE_NUMBERS.length }),
        ),
        databaseInstanceType: typeOf(DATABASE_INSTANCE_SIZES).map((t) => `db.${t}`),
        databaseStorageGiB: spelled(fc.integer({ min: 20, max: 65536 })),
        backupRetentionDays: spelled(fc.integer({ min: 1, max: 35 })),
        deletionProtection: bool,
        verifyDeployment: bool,
        readReplicas: spelled(fc.integer({ min: 1, max: 15 })),
        databasePoolSize: spelled(fc.integer({ min: 1, max: 100 })),
        databaseSnapshot: fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/).map((name) => `arn:aws:rds:us-east-1:123456789012:snapshot:${name}`),
        existingTable: fc.stringMatching(/^[a-zA-Z0-9_.-]{3,40}$/),
        pauseWrites: fc.subarray(STAGE_NUMBERS.filter((n) => n >= 3)).chain((s) => fc.constantFrom<unknown>(s, s.join(','))),
        cacheMaxGiB: spelled(fc.integer({ min: 1, max: 5000 })),
        cacheMaxEcpuPerSecond: spelled(fc.integer({ min: 1000, max: 15_000_000 })),
        wafMode: fc.constantFrom('block', 'count'),
        wafRateLimit: spelled(fc.integer({ min: 10, max: 2_000_000_000 })),
        priceClass: fc.constantFrom<unknown>('100', '200', 'All', 100, 200),
        spotPercentage: spelled(fc.integer({ min: 0, max: 100 })),
        sessionTtlHours: spelled(fc.integer({ min: 1, max: 720 })),
        onDemandBase: spelled(fc.integer({ min: 0, max: 2 })), // at most minCapacity, which is at least 2
        natProvider: fc.oneof(
          fc.constantFrom('gateway', 'instance'),
          fc.dictionary(fc.constantFrom('3', '4', '5', '6'), fc.constantFrom('gateway', 'instance'), { maxKeys: 4 }),
        ),
        natInstanceType: typeOf(WEB_INSTANCE_SIZES),
      },
      { requiredKeys: [] },
    ),
    acu: fc.option(
      fc
        .integer({ min: 1, max: 512 })
        .chain((min) => fc.integer({ min: Math.max(min, 2), max: 512 }).map((max) => ({ min: min / 2, max: max / 2 }))),
      { nil: undefined },
    ),
    natCountWanted: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  })
  .map(({ placement, capacity, task, rest, natCountWanted, acu }) => {
    const config: Record<string, unknown> = { ...rest, ...placement };
    // A NAT instance type is for NAT instances: stages 3 and 4 have them unless natProvider says otherwise.
    const provider = config.natProvider;
    const someInstance =
      provider === undefined ||
      provider === 'instance' ||
      (typeof provider === 'object' && (Object.values(provider!).includes('instance') || !('3' in provider!) || !('4' in provider!)));
    if (!someInstance) delete config.natInstanceType;
    if (acu) Object.assign(config, { databaseMinAcu: acu.min, databaseMaxAcu: acu.max });
    // A snapshot restores in its own region only.
    if (typeof config.databaseSnapshot === 'string')
      config.databaseSnapshot = config.databaseSnapshot.replace('us-east-1', String(placement?.region ?? 'us-east-1'));
    if (capacity)
      Object.assign(
        config,
        { minCapacity: capacity.min, maxCapacity: capacity.max },
        capacity.desired === undefined ? {} : { desiredCapacity: capacity.desired },
      );
    if (task) Object.assign(config, { taskCpu: task.cpu, taskMemoryMiB: task.memory });
    if (natCountWanted !== undefined) {
      const zones = placement?.availabilityZones;
      const zoneCount =
        zones === undefined
          ? 2
          : (Array.isArray(zones)
              ? zones
              : String(zones)
                  .replace(/[[\]"]/g, '')
                  .split(',')
            ).length;
      config.natCount = Math.min(natCountWanted, zoneCount);
    }
    return withOneCdnCarrier(withinConnections(config));
  });

/**
 * The README's rule for the API name at CloudFront: of the CDN stages selected (5 and up), at most
 * one has a weight above 0, and a weight object that leaves a stage out gives it its default (0 for
 * stage 6). Weights that break it get 0 for every CDN stage past the first that claims the name.
 */
function withOneCdnCarrier(config: Record<string, unknown>): Record<string, unknown> {
  const cdn = parsedStages(config.stages).filter((s) => s >= 5);
  if (config.weight === undefined || cdn.length < 2) return config;
  const given = typeof config.weight === 'object' ? (config.weight as Record<string, number>) : undefined;
  const uniform = given === undefined ? Number(config.weight) : undefined;
  const byDefault = (s: number) => (s > 5 ? 0 : 100);
  const weightOf = (s: number) => uniform ?? given?.[String(s)] ?? byDefault(s);
  const carriers = cdn.filter((s) => weightOf(s) > 0);
  if (carriers.length < 2) return config;
  const weights = Object.fromEntries(STAGE_NUMBERS.map((s) => [String(s), weightOf(s)]));
  for (const s of carriers.slice(1)) weights[String(s)] = 0;
  return { ...config, weight: weights };
}

/**
 * The README's rule for relational databases shared by a web tier: maxCapacity × pools × pool size
 * within 80 % of PostgreSQL's max_connections, LEAST(memory / 9531392, 5000). A pool size the rule
 * refuses is lowered to the largest it accepts (at least 1), and so is maxCapacity if even that is
 * too many.
 */
function withinConnections(config: Record<string, unknown>): Record<string, unknown> {
  const stages = parsedStages(config.stages);
  if ((config.dataStore ?? 'rds') !== 'rds') return config;
  const usable = (gib: number) => Math.floor(0.8 * Math.min(Math.floor((gib * 2 ** 30) / 9531392), 5000));
  const limits: { pools: number; usable: number }[] = [];
  if (stages.includes(3))
    limits.push({
      pools: 1,
      usable: usable(instanceMemoryGiB(String(config.databaseInstanceType ?? 'db.t4g.micro').replace(/^db\./, ''))!),
    });
  if (stages.some((s) => s >= 4)) limits.push({ pools: 2, usable: usable(2 * Number(config.databaseMaxAcu ?? 4)) });
  let maxCapacity = Number(config.maxCapacity ?? 6);
  let pool = Number(config.databasePoolSize ?? 10);
  for (const { pools, usable: u } of limits) {
    pool = Math.max(1, Math.min(pool, Math.floor(u / (pools * maxCapacity))));
    if (maxCapacity * pools * pool > u) maxCapacity = Math.floor(u / pools);
  }
  const fitted: Record<string, unknown> = { ...config, databasePoolSize: pool };
  if (maxCapacity !== Number(config.maxCapacity ?? 6)) {
    fitted.maxCapacity = maxCapacity;
    fitted.minCapacity = Math.min(Number(config.minCapacity ?? 2), maxCapacity);
    if (fitted.desiredCapacity !== undefined) fitted.desiredCapacity = Math.min(Number(fitted.desiredCapacity), maxCapacity);
  }
  return fitted;
}

/** The stages a configuration selects, as the README says `stages` is read (numbers, names, a list). */
function parsedStages(raw: unknown): number[] {
  if (raw === undefined) return [...STAGE_NUMBERS];
  const items = Array.isArray(raw) ? raw : String(raw).split(',');
  return items.map((item) => STAGE_NUMBERS.find((n) => String(n) === String(item).trim() || STAGES[n].stackName === String(item).trim())!);
}

/** For each key, values the README does not allow. */
export const INVALID_VALUES: Record<ConfigKey, fc.Arbitrary<unknown>> = {
  domainName: fc.oneof(
    notAString,
    label,
    label.map((l) => `${l}.com.`),
    label.map((l) => `-${l}.com`),
    fc.constant(`${'a'.repeat(64)}.com`),
  ),
  hostedZoneId: fc.oneof(notAString, fc.stringMatching(/^[a-y0-9][A-Z0-9]{3,8}$/)),
  recordName: fc.oneof(
    notAString,
    label.map((l) => `${l}.${l}`),
    label.map((l) => `${l}_x`),
    label.map((l) => `-${l}`),
    fc.constant('a'.repeat(64)),
  ),
  account: fc.oneof(notAString, fc.stringMatching(/^\d{1,11}$/), fc.stringMatching(/^\d{13,14}$/)),
  region: fc.oneof(notAString, fc.constantFrom('us-east', 'useast1', 'US-EAST-1', 'us-east-1a')),
  availabilityZones: fc.oneof(
    notAString.filter((v) => typeof v !== 'string' || !v.includes(',')),
    fc.constantFrom<unknown>([], ['us-east-1a'], ['us-east-1a', 'us-east-1a'], 'us-east-1a', ['us-east-1']),
  ),
  stages: fc.oneof(
    fc.constantFrom<unknown>('', [], [0], [9], '1,9', 'Stage9', [1, 1], 'none', true, {}),
    fc.integer({ min: 10, max: 1000 }),
  ),
  webTier: fc.oneof(notAString, fc.constantFrom('EC2', 'lambda', 'k8s', 'fargate')),
  dataStore: fc.oneof(notAString, fc.constantFrom('RDS', 'postgres', 'mongodb', 'aurora')),
  instanceType: fc.oneof(
    notAString,
    fc.constantFrom(
      'x9.large',
      't3',
      't3.',
      't3.huge',
      'p5.48xlarge',
      'db.t3.small',
      't3.small.x',
      'm5.micro',
      'c5.8xlarge',
      'm7g.metal-48xl',
    ),
  ),
  minCapacity: notAWholeNumberIn(2, 100),
  maxCapacity: notAWholeNumberIn(2, 100),
  desiredCapacity: notAWholeNumberIn(2, 100),
  cpuTargetPercent: notAWholeNumberIn(10, 90),
  requestsPerTarget: notAWholeNumberIn(10, 1_000_000),
  taskCpu: fc.oneof(notAWholeNumberIn(256, 16384), spelled(fc.constantFrom(257, 300, 768, 1000, 3000))),
  taskMemoryMiB: notAWholeNumberIn(512, 122880),
  https: notABoolean,
  weight: fc.oneof(
    notAWholeNumberIn(0, 255).filter((v) => !(typeof v === 'object' && v !== null && !Array.isArray(v))),
    fc.constantFrom<unknown>('{"9":1}', { 1: 256 }, { 1: -1 }, { x: 1 }, '{"1":1.5}', [1, 2]),
  ),
  natProvider: fc.oneof(
    notAString,
    fc.constantFrom<unknown>('Gateway', 'nat', 'instances', 'ec2', '{"2":"instance"}', { 1: 'gateway' }, { 3: 'ec2' }, ['gateway']),
  ),
  natCount: notAWholeNumberIn(1, 6),
  natInstanceType: fc.oneof(notAString, fc.constantFrom('t4g', 't4g.huge', 'db.t4g.nano', 'x9.nano', 't4g.nano.x')),
  databaseInstanceType: fc.oneof(
    notAString,
    fc.constantFrom('db.x9.large', 'db.t3', 'c5.large', 'db.t3.huge', 'db.t4g.nano', 'db.m6i.micro', 'db.m7g.24xlarge'),
  ),
  databaseStorageGiB: notAWholeNumberIn(20, 65536),
  backupRetentionDays: notAWholeNumberIn(1, 35),
  deletionProtection: notABoolean,
  verifyDeployment: notABoolean,
  readReplicas: notAWholeNumberIn(1, 15),
  databaseMinAcu: fc.oneof(
    notAString.filter((v) => typeof v !== 'number'),
    fc.constantFrom<unknown>(0, 0.25, 0.75, '1.2', 256.5, 300, -1, '0.5x'),
  ),
  databaseMaxAcu: fc.oneof(
    notAString.filter((v) => typeof v !== 'number'),
    fc.constantFrom<unknown>(0.5, 0, 1.25, 257, '4.1'),
  ),
  databasePoolSize: notAWholeNumberIn(1, 100),
  databaseSnapshot: fc.oneof(
    notAString,
    fc.constantFrom(
      'stage3-final',
      'arn:aws:rds:us-east-1:123456789012:db:stage3',
      'arn:aws:s3:::bucket/key',
      'arn:aws:rds:us-east-1:12345:snapshot:x',
      'arn:aws:rds:us-east-1:123456789012:snapshot:-x',
    ),
  ),
  existingTable: fc.oneof(
    notAString.filter((v) => typeof v !== 'string' || v.length < 3 || v.length > 255 || /[^a-zA-Z0-9_.-]/.test(v)),
    fc.constantFrom('ab', 'table with spaces', 'tàble', 'x'.repeat(256)),
  ),
  pauseWrites: fc.constantFrom<unknown>('1', [2], '3,9', 'Stage9', 'yes', true, { 3: true }),
  cacheMaxGiB: notAWholeNumberIn(1, 5000),
  cacheMaxEcpuPerSecond: notAWholeNumberIn(1000, 15_000_000),
  wafMode: fc.oneof(notAString, fc.constantFrom('BLOCK', 'Count', 'allow', 'off')),
  wafRateLimit: notAWholeNumberIn(10, 2_000_000_000),
  spotPercentage: notAWholeNumberIn(0, 100),
  onDemandBase: notAWholeNumberIn(0, 100),
  sessionTtlHours: notAWholeNumberIn(1, 720),
  priceClass: fc.oneof(
    notAString.filter((v) => v !== 100 && v !== 200),
    fc.constantFrom<unknown>('300', 'all', 'ALL', 'PriceClass_100', 0, 1),
  ),
};

/** A real key written in another convention: `min-capacity`, `min_capacity`, `MIN.CAPACITY`. */
const respelled = fc
  .tuple(fc.constantFrom(...CONFIG_KEYS), fc.constantFrom('-', '_', '.', '/', ':', '@'), fc.boolean())
  .map(([key, separator, upper]) => {
    const words = key
      .replace(/([A-Z])/g, ' $1')
      .toLowerCase()
      .split(' ');
    const spelled =
      words.length > 1 ? words.join(separator) : `${separator === '@' ? '@' : ''}${key.toLowerCase()}${separator === '@' ? '' : separator}`;
    return upper ? spelled.toUpperCase() : spelled;
  })
  .filter((k) => !(CONFIG_KEYS as string[]).includes(k) && !isCdkOwnKey(k));

/**
 * A context key that is neither an option nor the CDK's: a typo or another spelling of a key, with
 * or without the characters the CDK's own keys contain. It must be reported, never ignored.
 */
export const unknownKey = fc
  .oneof(fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,15}$/), fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,6}[-_.:/@][a-zA-Z0-9]{1,8}$/), respelled)
  .filter((k) => !(CONFIG_KEYS as string[]).includes(k) && !isCdkOwnKey(k));

/**
 * A configuration with at least one value the README does not allow, and the keys that are bad.
 * Other keys hold allowed values (which may still conflict with each other).
 */
export const invalidConfiguration: fc.Arbitrary<{ context: Record<string, unknown>; badKeys: string[] }> = fc
  .record({
    base: validConfiguration,
    bad: fc
      .uniqueArray(fc.constantFrom(...CONFIG_KEYS), { minLength: 0, maxLength: 4 })
      .chain((keys) => fc.tuple(...keys.map((k) => INVALID_VALUES[k].map((v) => [k, v] as const)))),
    unknown: fc.uniqueArray(unknownKey, { maxLength: 2 }),
  })
  .filter(({ bad, unknown }) => bad.length + unknown.length > 0)
  .map(({ base, bad, unknown }) => ({
    context: { ...base, ...Object.fromEntries(bad), ...Object.fromEntries(unknown.map((k) => [k, 'x'])) },
    badKeys: [...bad.map(([k]) => k), ...unknown],
  }));

const CDK_JSON_CONTEXT = cdkJsonContext();

/** The keys a problem line is about: the text before its first colon-and-space. */
const keysOf = (problem: string) => problem.slice(0, problem.indexOf(': ')).split(', ');

/**
 * A bad configuration is rejected with a ConfigError whose message names every bad key, and no
 * key the user did not write (npm test and test:matrix check the same property).
 */
export const everyBadKeyNamed = fc.property(invalidConfiguration, ({ context, badKeys }) => {
  let error: unknown;
  try {
    loadConfig({ ...CDK_JSON_CONTEXT, ...context });
  } catch (e) {
    error = e;
  }
  if (!(error instanceof ConfigError)) throw new Error(`accepted, or failed with something other than a ConfigError: ${String(error)}`);
  const problems = error.problems;
  const named = new Set(problems.flatMap(keysOf));
  // Plain checks, not expect(): this runs thousands of times, and fast-check reports the failing case.
  const badKeysNotNamed = badKeys.filter((key) => !named.has(key));
  if (badKeysNotNamed.length > 0) throw new Error(`bad keys not named: ${badKeysNotNamed.join(', ')}; problems: ${problems.join(' | ')}`);
  const aboutUnwritten = problems.filter((p) => !keysOf(p).some((k) => k in context));
  if (aboutUnwritten.length > 0) throw new Error(`problems about keys the user did not write: ${aboutUnwritten.join(' | ')}`);
  const missing = problems.filter((p) => !error.message.includes(`  - ${p}`));
  if (missing.length > 0) throw new Error(`problems missing from the message: ${missing.join(' | ')}`);
});

/** An allowed configuration is accepted. */
export const everyAllowedAccepted = fc.property(validConfiguration, (context) => {
  loadConfig({ ...CDK_JSON_CONTEXT, ...context });
});
