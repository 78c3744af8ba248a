import { CONFIG_KEYS, ConfigError, loadConfig, STAGE_NUMBERS, STAGES } from '../../lib/config';
import { cdkJsonContext } from '../../lib/config/context';
import { CDK_KEY_PREFIXES, CONTEXT_PROVIDERS, isCdkOwnKey } from '../../lib/config/load';
import { PRIVATE_TIER_STAGES } from '../../lib/config/schema';

const CDK_JSON_CONTEXT = cdkJsonContext();
/** How the messages list the stages: written from the stage table, so a new stage changes no test here. */
const NUMBERS = STAGE_NUMBERS.join(', ');
const NAMES = STAGE_NUMBERS.map((n) => STAGES[n].stackName).join(', ');
const PRIVATE_TIER = PRIVATE_TIER_STAGES.join(', ');

/** The problems `loadConfig` reports for a context, or [] when it accepts it. */
function problemsOf(context: Record<string, unknown>): readonly string[] {
  try {
    loadConfig({ ...CDK_JSON_CONTEXT, ...context });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('defaults', () => {
  test('GIVEN only cdk.json WHEN loaded THEN every key has its documented default', () => {
    expect(loadConfig(CDK_JSON_CONTEXT)).toEqual({
      domainName: 'example.com',
      hostedZoneId: 'Z0000000000000EXAMPLE',
      recordName: 'api',
      account: '123456789012',
      region: 'us-east-1',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      stages: STAGE_NUMBERS,
      webTier: 'ec2',
      dataStore: 'rds',
      instanceType: 't3.small',
      minCapacity: 2,
      maxCapacity: 6,
      desiredCapacity: undefined,
      cpuTargetPercent: 60,
      requestsPerTarget: 60000,
      taskCpu: 512,
      taskMemoryMiB: 1024,
      https: true,
      // Stage 5 carries the API name on its distribution; stage 6 deploys beside it at weight 0.
      weight: { 1: 100, 2: 100, 3: 100, 4: 100, 5: 100, 6: 0 },
      natProvider: { 3: 'instance', 4: 'instance', 5: 'gateway', 6: 'gateway' },
      natCount: 2,
      natInstanceType: 't4g.nano',
      databaseInstanceType: 't4g.micro',
      databaseStorageGiB: 20,
      backupRetentionDays: 7,
      deletionProtection: true,
      verifyDeployment: true,
      readReplicas: 1,
      databaseMinAcu: 0.5,
      databaseMaxAcu: 4,
      databasePoolSize: 10,
      databaseSnapshot: undefined,
      pauseWrites: [],
      existingTable: undefined,
      cacheMaxGiB: 1,
      cacheMaxEcpuPerSecond: 10000,
      wafMode: 'block',
      wafRateLimit: 2000,
      priceClass: '100',
      spotPercentage: 100,
      onDemandBase: 1,
      sessionTtlHours: 24,
    });
  });

  test('GIVEN another region WHEN zones are not set THEN they follow the region', () => {
    expect(loadConfig({ region: 'eu-west-2' }).availabilityZones).toEqual(['eu-west-2a', 'eu-west-2b']);
  });

  test('GIVEN three zones WHEN natCount is not set THEN there is one NAT per zone', () => {
    expect(loadConfig({ availabilityZones: 'us-east-1a,us-east-1b,us-east-1c' }).natCount).toBe(3);
  });
});

describe('values from -c arrive as strings and mean the same as JSON in cdk.json', () => {
  test.each([
    [{ minCapacity: '3' }, { minCapacity: 3 }],
    [{ https: 'false' }, { https: false }],
    [{ stages: '3,1' }, { stages: [1, 3] }],
    [{ stages: '["Stage2-SeparateData"]' }, { stages: [2] }],
    [{ stages: 'all' }, { stages: STAGE_NUMBERS }],
    [{ priceClass: 100 }, { priceClass: '100' }],
    [
      { wafRateLimit: '500', cacheMaxGiB: '20' },
      { wafRateLimit: 500, cacheMaxGiB: 20 },
    ],
    [{ stages: 2 }, { stages: [2] }],
    [{ availabilityZones: '["us-east-1c","us-east-1d"]' }, { availabilityZones: ['us-east-1c', 'us-east-1d'] }],
    [{ weight: '0' }, { weight: { 1: 0, 2: 0, 3: 0, 4: 0 } }],
    [{ weight: '{"3":255}' }, { weight: { 1: 100, 2: 100, 3: 255, 4: 100 } }],
    [{ weight: { 1: 0 } }, { weight: { 1: 0, 2: 100, 3: 100, 4: 100 } }],
    // A stage not named keeps its own default NAT: instances in 3 and 4, gateways from 5.
    [{ natProvider: '{"5":"instance"}' }, { natProvider: { 3: 'instance', 4: 'instance', 5: 'instance', 6: 'gateway' } }],
    [{ natProvider: { 3: 'gateway' } }, { natProvider: { 3: 'gateway', 4: 'instance', 5: 'gateway', 6: 'gateway' } }],
    [{ natProvider: 'gateway' }, { natProvider: { 3: 'gateway', 4: 'gateway', 5: 'gateway', 6: 'gateway' } }],
    [{ natProvider: 'gateway', natCount: '1' }, { natCount: 1 }],
    [{ databaseInstanceType: 'db.r6g.large' }, { databaseInstanceType: 'r6g.large' }],
    [{ hostedZoneId: '/hostedzone/Z123ABC' }, { hostedZoneId: 'Z123ABC' }],
    [{ domainName: 'MySite.COM' }, { domainName: 'mysite.com' }],
    [{ account: 210987654321 }, { account: '210987654321' }],
  ])('%j is read as %j', (given, expected) => {
    expect(loadConfig({ ...CDK_JSON_CONTEXT, ...given })).toMatchObject(expected);
  });
});

describe('each bad value is reported with its key, the value and what is allowed', () => {
  test.each<[string, Record<string, unknown>, string]>([
    [
      'min > max capacity',
      { minCapacity: 5, maxCapacity: 3 },
      'minCapacity: got 5, which is greater than maxCapacity (3); allowed: minCapacity <= maxCapacity',
    ],
    [
      'desired outside min..max',
      { desiredCapacity: 9 },
      'desiredCapacity: got 9, which is outside minCapacity..maxCapacity (2..6); allowed: a number from minCapacity to maxCapacity, or unset',
    ],
    ['capacity below two', { minCapacity: 1 }, 'minCapacity: got 1; allowed: a whole number from 2 to 100'],
    ['capacity not a number', { maxCapacity: 'lots' }, 'maxCapacity: got "lots"; allowed: a whole number from 2 to 100'],
    [
      'unknown instance type family',
      { instanceType: 'x9.large' },
      'instanceType: got "x9.large" ("x9" is not a known family); allowed: an instance type "<family>.<size>" whose family is one of t3, t3a, t4g, m5, m5a, m6i, m6a, m6g, m7i, m7a, m7g, c5, c5a, c6i, c6a, c6g, c7i, c7a, c7g, r5, r5a, r6i, r6a, r6g, r7i, r7a, r7g, in a size the family comes in',
    ],
    [
      'a size the family does not come in',
      { instanceType: 'm5.micro' },
      'instanceType: got "m5.micro" (m5 comes in large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, metal); allowed: an instance type "<family>.<size>" whose family is one of t3, t3a, t4g, m5, m5a, m6i, m6a, m6g, m7i, m7a, m7g, c5, c5a, c6i, c6a, c6g, c7i, c7a, c7g, r5, r5a, r6i, r6a, r6g, r7i, r7a, r7g, in a size the family comes in',
    ],
    [
      'a database class PostgreSQL does not offer',
      { databaseInstanceType: 'db.m6i.micro' },
      'databaseInstanceType: got "db.m6i.micro" (db.m6i comes in large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, 24xlarge, 32xlarge); allowed: an instance type "db.<family>.<size>" whose family is one of t3, t4g, m5, m6i, m6g, m7i, m7g, r5, r6i, r6g, r7i, r7g, in a size the family comes in',
    ],
    [
      'record name that is not a DNS label',
      { recordName: 'api_v1' },
      'recordName: got "api_v1"; allowed: 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen (a single DNS label)',
    ],
    [
      'record name with a dot',
      { recordName: 'api.v1' },
      'recordName: got "api.v1"; allowed: 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen (a single DNS label)',
    ],
    [
      'domain that is not a domain',
      { domainName: 'localhost' },
      'domainName: got "localhost"; allowed: a domain name such as "example.com": two or more DNS labels separated by dots, at most 253 characters, no trailing dot',
    ],
    [
      'domain with a bad label',
      { domainName: 'my_site.com' },
      'domainName: got "my_site.com"; allowed: a domain name such as "example.com": two or more DNS labels separated by dots, at most 253 characters, no trailing dot',
    ],
    [
      'unknown stage',
      { stages: '1,9' },
      `stages: got "1,9" (the item "9" is not a stage number (${NUMBERS}) or stack name (${NAMES})); allowed: "all", or a list of at least 1 distinct stages (a JSON array or a comma-separated string), each a stage number (${NUMBERS}) or stack name (${NAMES})`,
    ],
    ['unknown webTier', { webTier: 'lambda' }, 'webTier: got "lambda"; allowed: one of "ec2", "ecs"'],
    [
      'more on-demand servers than the fewest servers',
      { onDemandBase: 3 },
      'onDemandBase: got 3, more than minCapacity (2); allowed: 0 to minCapacity (2) servers always on demand',
    ],
    [
      'an API name longer than ACM takes',
      { domainName: `${'a'.repeat(60)}.com` },
      `recordName, domainName: got "api.${'a'.repeat(60)}.com", 68 characters; allowed: at most 64 characters for \`<recordName>.<domainName>\`, the name of the certificate of stages 3 and up (ACM's limit)`,
    ],
    [
      'a CDN stage in a partition without CloudFront',
      { region: 'cn-north-1', availabilityZones: 'cn-north-1a,cn-north-1b', stages: '4,5' },
      `region: got "cn-north-1", outside AWS's commercial partition, where the CDN of stage 5 cannot be built (CloudFront with its certificate and firewall in us-east-1); allowed: a commercial region, or stages below 5`,
    ],
    ['a Spot share over 100', { spotPercentage: 120 }, 'spotPercentage: got 120; allowed: a whole number from 0 to 100'],
    ['a firewall mode that is not one', { wafMode: 'off' }, 'wafMode: got "off"; allowed: one of "block", "count"'],
    ['a price class CloudFront does not have', { priceClass: 300 }, 'priceClass: got 300; allowed: one of "100", "200", "All"'],
    ['a rate limit under what WAF accepts', { wafRateLimit: 5 }, 'wafRateLimit: got 5; allowed: a whole number from 10 to 2000000000'],
    [
      'a cache ECPU limit under the least',
      { cacheMaxEcpuPerSecond: '500' },
      'cacheMaxEcpuPerSecond: got "500"; allowed: a whole number from 1000 to 15000000',
    ],
    ['unknown dataStore', { dataStore: 'mongodb' }, 'dataStore: got "mongodb"; allowed: one of "rds", "dynamodb"'],
    [
      'weight above 255',
      { weight: 300 },
      `weight: got 300; allowed: a whole number from 0 to 255, for every stage number; or a JSON object from stage number (${NUMBERS}) to such a value`,
    ],
    [
      'weight of an unknown stage',
      { weight: '{"9":10}' },
      `weight: got "{\\"9\\":10}" ("9" is not a stage number); allowed: a whole number from 0 to 255, for every stage number; or a JSON object from stage number (${NUMBERS}) to such a value`,
    ],
    ['https not a boolean', { https: 'yes' }, 'https: got "yes"; allowed: true or false'],
    ['account not 12 digits', { account: '1234' }, 'account: got "1234"; allowed: a 12-digit AWS account id'],
    [
      'account as a number that lost its leading zero',
      { account: 12345678901 },
      'account: got 12345678901; allowed: a 12-digit AWS account id',
    ],
    [
      'zone of another region',
      { availabilityZones: ['us-east-1a', 'eu-west-1b'] },
      'availabilityZones: got ["eu-west-1b"], which is not in region us-east-1; allowed: zones of region us-east-1, such as "us-east-1a"',
    ],
    [
      'a single zone',
      { availabilityZones: 'us-east-1a' },
      'availabilityZones: got "us-east-1a" (the list has 1 item(s)); allowed: a list of at least 2 distinct zones (a JSON array or a comma-separated string), each an availability zone name such as "us-east-1a"',
    ],
    [
      'a CPU whose memory range excludes the default memory names both keys',
      { taskCpu: 4096 },
      'taskCpu, taskMemoryMiB: got 4096 and 1024, a task size Fargate does not offer; allowed with taskCpu 4096: taskMemoryMiB 8192, 9216, 10240, 11264, 12288, 13312, 14336, 15360, 16384, 17408, 18432, 19456, 20480, 21504, 22528, 23552, 24576, 25600, 26624, 27648, 28672, 29696, 30720',
    ],
    [
      'more NATs than zones',
      { natCount: 3 },
      'natCount: got 3, more than the 2 availability zones; allowed: 1 to 2 (one NAT gateway or instance per zone at most)',
    ],
    [
      'the key natCount replaced',
      { natGateways: 1 },
      'natGateways: renamed natCount, as it counts NAT instances too (see natProvider); allowed: set natCount instead (a whole number from 1 to 6)',
    ],
    [
      'a NAT provider that is not one',
      { natProvider: 'instances' },
      `natProvider: got "instances"; allowed: one of "gateway", "instance", for every stage with private subnets; or a JSON object from stage with private subnets (${PRIVATE_TIER}) to such a value`,
    ],
    [
      'a NAT provider for a stage without private subnets',
      { natProvider: '{"2":"instance"}' },
      `natProvider: got "{\\"2\\":\\"instance\\"}" ("2" is not a stage with private subnets); allowed: one of "gateway", "instance", for every stage with private subnets; or a JSON object from stage with private subnets (${PRIVATE_TIER}) to such a value`,
    ],
    [
      'a NAT instance type with no NAT instance to use it',
      { natProvider: 'gateway', natInstanceType: 't4g.small' },
      'natInstanceType: got "t4g.small", but natProvider is "gateway" for every stage, so no NAT instance uses it; allowed: natProvider "instance" for a stage (such as -c natProvider=instance), or natInstanceType unset',
    ],
    [
      'a NAT instance type that does not exist',
      { natInstanceType: 't4g.huge' },
      'natInstanceType: got "t4g.huge" (t4g comes in nano, micro, small, medium, large, xlarge, 2xlarge); allowed: an instance type "<family>.<size>" whose family is one of t3, t3a, t4g, m5, m5a, m6i, m6a, m6g, m7i, m7a, m7g, c5, c5a, c6i, c6a, c6g, c7i, c7a, c7g, r5, r5a, r6i, r6a, r6g, r7i, r7a, r7g, in a size the family comes in',
    ],
    [
      'memory Fargate does not offer for the CPU',
      { taskCpu: 256, taskMemoryMiB: 4096 },
      'taskCpu, taskMemoryMiB: got 256 and 4096, a task size Fargate does not offer; allowed with taskCpu 256: taskMemoryMiB 512, 1024, 2048',
    ],
    [
      'unknown option, with a guess',
      { domainname: 'example.org' },
      `domainname: unknown option (did you mean "domainName"?); allowed options: ${CONFIG_KEYS.join(', ')}`,
    ],
    ['empty string', { region: '' }, 'region: got ""; allowed: an AWS region name such as "us-east-1"'],
    [
      "a web tier that would open more connections than stage 3's database takes",
      { stages: '3', maxCapacity: 100 },
      'maxCapacity, databasePoolSize, databaseInstanceType: got 100 web servers × 10 connections = 1000 in stage 3, more than db.t4g.micro accepts (89 of its 112, keeping 20 % in reserve); allowed: at most 89 connections: maxCapacity 8, or databaseInstanceType db.t4g.xlarge',
    ],
    [
      "a web tier that would open more connections than stage 4's cluster takes, counting both pools",
      { stages: '4', maxCapacity: 100 },
      'maxCapacity, databasePoolSize, databaseMaxAcu: got 100 web servers × 2 pools (writer and readers) × 10 connections = 2000 in stage 4, more than Aurora Serverless v2 at 4 ACU accepts (720 of its 901, keeping 20 % in reserve); allowed: at most 720 connections: databasePoolSize 3, or maxCapacity 36, or databaseMaxAcu 11.5',
    ],
    [
      'a snapshot of another region',
      { databaseSnapshot: 'arn:aws:rds:eu-west-1:123456789012:snapshot:stage3-final' },
      'databaseSnapshot: got "arn:aws:rds:eu-west-1:123456789012:snapshot:stage3-final", which is in eu-west-1, not in region us-east-1; allowed: a snapshot in us-east-1 (copy it across regions first)',
    ],
    [
      'a snapshot named by name, not by ARN',
      { databaseSnapshot: 'stage3-final' },
      'databaseSnapshot: got "stage3-final"; allowed: the ARN of an RDS DB snapshot or DB cluster snapshot, such as "arn:aws:rds:us-east-1:123456789012:snapshot:stage3-final"',
    ],
    [
      'pausing writes of a stage without a load balancer',
      { pauseWrites: '2,3' },
      "pauseWrites: got [2,3]; stage 2 has no load balancer to pause writes at; allowed: stages 3 and up (to move stage 2's data, stop its server: its writes stop with it)",
    ],
    [
      'a capacity range upside down',
      { databaseMinAcu: 8, databaseMaxAcu: 4 },
      'databaseMinAcu: got 8, which is greater than databaseMaxAcu (4); allowed: databaseMinAcu <= databaseMaxAcu',
    ],
    [
      'a capacity off the half steps',
      { databaseMinAcu: '0.75' },
      'databaseMinAcu: got "0.75"; allowed: a number from 0.5 to 256 in steps of 0.5',
    ],
    ['no reader to fail over to', { readReplicas: 0 }, 'readReplicas: got 0; allowed: a whole number from 1 to 15'],
  ])('%s', (_name, context, message) => {
    expect(problemsOf(context)).toEqual([message]);
  });
});

test('GIVEN several bad values WHEN loaded THEN every problem is reported in one error', () => {
  const context = { weight: 256, recordName: '-api', minCapacity: 9, maxCapacity: 3, webTier: 'k8s', colour: 'blue' };
  const problems = problemsOf(context);
  expect(problems.map((p) => p.split(':')[0])).toEqual(['colour', 'recordName', 'webTier', 'weight', 'minCapacity']);

  expect(() => loadConfig({ ...CDK_JSON_CONTEXT, ...context })).toThrow(
    /^The zero-to-millions configuration has 5 problems; no stack was created\.\n {2}- colour: unknown option/,
  );
});

describe('keys that are not ours', () => {
  test("GIVEN the CDK's own context keys WHEN loaded THEN they are not taken for unknown options", () => {
    expect(
      problemsOf({
        '@aws-cdk/core:newStyleStackSynthesis': true,
        '@aws-cdk-containers/ecs-service-extensions:enableDefaultLogDriver': true,
        'aws:cdk:enable-path-metadata': true,
        'availability-zones:account=1:region=x': [],
        'hosted-zone:account=1:domainName=example.com:region=us-east-1': {},
        'acknowledged-issue-numbers': [],
      }),
    ).toEqual([]);
  });

  test.each([
    ['min-capacity', 'minCapacity'],
    ['min_capacity', 'minCapacity'],
    ['instance.type', 'instanceType'],
    ['INSTANCE_TYPE', 'instanceType'],
    ['database-instance-type', 'databaseInstanceType'],
    ['web/tier', 'webTier'],
    ['data:store', 'dataStore'],
    ['@dataStore', 'dataStore'],
    ['verifydeployment', 'verifyDeployment'],
    ['minCapacty', 'minCapacity'],
  ])('GIVEN %s WHEN loaded THEN it is rejected with "did you mean %s?", whatever its separators', (key, meant) => {
    expect(problemsOf({ [key]: '3' })).toEqual([
      `${key}: unknown option (did you mean "${meant}"?); allowed options: ${Object.keys(loadConfig(CDK_JSON_CONTEXT)).join(', ')}`,
    ]);
  });

  test('GIVEN a key with a CDK-like character that no CDK feature owns WHEN loaded THEN it is rejected', () => {
    expect(problemsOf({ 'aws-cdk:x': 1, 'my.setting': 1 }).map((p) => p.split(':')[0])).toEqual(['aws-cdk', 'my.setting']);
    expect(isCdkOwnKey('aws-cdk:x')).toBe(false);
  });

  test("the context providers the CDK caches lookups under are the cloud assembly schema's", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ContextProvider } = require('aws-cdk-lib/cloud-assembly-schema');
    expect([...CONTEXT_PROVIDERS].sort()).toEqual((Object.values(ContextProvider) as string[]).sort());
    expect(CDK_KEY_PREFIXES).toEqual(['@aws-cdk/', '@aws-cdk-containers/', 'aws:cdk:']);
  });
});

describe('the API name at CloudFront: one distribution at a time', () => {
  test.each([
    ['every stage', {}, { 5: 100, 6: 0 }],
    ['stage 6 alone, the default not depending on the selection', { stages: '6' }, { 6: 0 }],
    ['stage 6 alone, given the name', { stages: '6', weight: '{"6":100}' }, { 6: 100 }],
    ['stages 5 and 6', { stages: '5,6' }, { 5: 100, 6: 0 }],
    ['a weight object for earlier stages only', { weight: '{"3":0,"4":255}' }, { 3: 0, 4: 255, 5: 100, 6: 0 }],
    ['a move to stage 6', { weight: '{"5":0,"6":100}' }, { 5: 0, 6: 100 }],
  ])('GIVEN %s WHEN loaded THEN at most one CDN stage has a weight above 0', (_name, context, weights) => {
    expect(loadConfig({ ...CDK_JSON_CONTEXT, ...context }).weight).toMatchObject(weights);
  });

  test('GIVEN one weight for every stage WHEN stages 5 and 6 are selected THEN synth refuses, naming the keys and both ways out', () => {
    expect(problemsOf({ weight: 100, domainName: 'mysite.com' })).toEqual([
      'weight, stages: got 5: 100, 6: 100 for CDN stages 5 and 6, so each would put api.mysite.com on its CloudFront distribution, and a name can be on one distribution only (the second to deploy fails with CNAMEAlreadyExists); allowed: a weight above 0 for at most one selected CDN stage: give the others 0 ("weight": {"6":0}), or select only one of them (-c stages=...)',
    ]);
    expect(problemsOf({ weight: 100, stages: '6' })).toEqual([]);
    expect(problemsOf({ weight: '{"6":100}' })).toEqual([expect.stringMatching(/^weight, stages: got 5: 100, 6: 100 /)]);
    expect(problemsOf({ weight: 0 })).toEqual([]);
  });
});

describe('connection budget: every fix the message offers exists and fits', () => {
  /** Applies a fix as the message words it ("maxCapacity 8", "databaseInstanceType db.m5.4xlarge with databasePoolSize 40"). */
  const applied = (context: Record<string, unknown>, fix: string) => {
    const changes = Object.fromEntries(fix.split(' with ').map((part) => part.split(' ')));
    return { ...context, ...changes };
  };
  const fixesIn = (problem: string) =>
    problem
      .replace(/ \(no .* connections\)$/, '')
      .split(' connections: ')[1]
      .split(', or ');

  test.each<[string, Record<string, unknown>]>([
    ['stage 3, too many servers for a micro', { stages: '3', maxCapacity: 100 }],
    ['stage 3, more than any instance takes', { stages: '3', maxCapacity: 100, minCapacity: 100, databasePoolSize: 100 }],
    ['stage 3, a floor of servers above what fits', { stages: '3', maxCapacity: 50, minCapacity: 40, databasePoolSize: 30 }],
    ['stage 4, two pools', { stages: '4', maxCapacity: 100 }],
    ['stage 4, more than any capacity takes', { stages: '4', maxCapacity: 100, minCapacity: 60, databasePoolSize: 100 }],
    ['stages 3 and 4 together', { stages: '3,4', maxCapacity: 60, desiredCapacity: 50, databasePoolSize: 20, databaseMaxAcu: 2 }],
  ])('GIVEN %s WHEN each fix offered is applied THEN the configuration is accepted', (_name, context) => {
    const problems = problemsOf(context).filter((p) => p.startsWith('maxCapacity, databasePoolSize'));
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      const fixes = fixesIn(problem);
      expect(fixes.length).toBeGreaterThan(0);
      for (const fix of fixes) {
        const after = problemsOf(applied(context, fix)).filter((p) =>
          p.startsWith(`maxCapacity, databasePoolSize, ${problem.split(', ')[2].split(':')[0]}`),
        );
        expect({ fix, after }).toEqual({ fix, after: [] });
      }
    }
  });

  test('GIVEN minCapacity above what fits WHEN refused THEN a maxCapacity below minCapacity is not offered', () => {
    const [problem] = problemsOf({ stages: '3', maxCapacity: 50, minCapacity: 40, databasePoolSize: 30 });
    expect(problem).not.toMatch(/maxCapacity \d+(,|$)/);
    expect(problem).toMatch(/databasePoolSize 1, or databaseInstanceType db\.t4g\.2xlarge$/);
  });
});
