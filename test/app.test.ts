/**
 * The app (lib/app.ts): the configuration is validated before anything is built, the stages are the
 * configured ones, synth needs no AWS account, and every check `cdk synth` runs really fails it.
 */
import { STAGE_NUMBERS, STAGES } from '../lib/config';
import type { Overrides } from '../lib/synth';
import { SYNTH_NODE_OPTIONS } from '../lib/synth-node-options';
import { fixtureOf, stageOf, templateOf } from './support/synth-cache';
import { resources } from './support/template';
import { LOAD_BALANCED_ALTERED, REAL_PLACE, SINGLE_SERVER_ALTERED } from './support/variants';

test('`cdk list` shows one stack per stage, named for what it is', () => {
  expect(STAGE_NUMBERS.map((n) => stageOf(n).stackName)).toEqual([
    'Stage1-SingleServer',
    'Stage2-SeparateData',
    'Stage3-LoadBalanced',
    'Stage4-ReplicatedData',
    'Stage5-CacheAndCdn',
    'Stage6-Stateless',
  ]);
  expect(STAGE_NUMBERS.map((n) => STAGES[n].stackName)).toEqual(STAGE_NUMBERS.map((n) => stageOf(n).stackName));
});

test('GIVEN a bad configuration WHEN the app is built THEN it fails before any stack is created', () => {
  const { error, stacks } = fixtureOf('control/bad-configuration');
  expect(error?.name).toBe('ConfigError');
  expect(error?.message).toContain('minCapacity: got 10, which is greater than maxCapacity (2)');
  expect(stacks).toBe(0);
});

test('every stack has an explicit environment from the configuration, and synth asks AWS for nothing', () => {
  for (const n of STAGE_NUMBERS) {
    expect([n, stageOf(n, REAL_PLACE).environment, stageOf(n, REAL_PLACE).missingContext]).toEqual([n, 'aws://210987654321/eu-west-1', 0]);
    expect([n, stageOf(n).environment, stageOf(n).missingContext]).toEqual([n, 'aws://123456789012/us-east-1', 0]);
  }
});

test('the zones are the configured ones', () => {
  const zones = new Set(resources(templateOf(1, REAL_PLACE), 'AWS::EC2::Subnet').map(([, s]) => s.Properties.AvailabilityZone));
  expect([...zones].sort()).toEqual(['eu-west-1b', 'eu-west-1c']);
});

test('every resource that takes tags is tagged with its stage', () => {
  for (const n of STAGE_NUMBERS) {
    const tagged = Object.entries(templateOf(n).Resources).filter(([, r]) => Array.isArray(r.Properties?.Tags));
    expect(tagged.length).toBeGreaterThan(5);
    for (const [id, resource] of tagged) {
      expect([id, resource.Properties.Tags]).toEqual([
        id,
        expect.arrayContaining([expect.objectContaining({ Key: 'zero-to-millions:stage', Value: STAGES[n].stackName })]),
      ]);
    }
  }
});

test('each stage record uses the weight configured for it; a CDN stage at weight 0 has no record of the API name', () => {
  const apiRecords = (n: 1 | 3 | 4 | 5 | 6, overrides: Overrides) =>
    resources(templateOf(n, overrides), 'AWS::Route53::RecordSet').filter(([, r]) => r.Properties.Name === 'api.example.com.');
  const weights = ([1, 3, 4, 5, 6] as const).map((n) =>
    apiRecords(n, n === 1 ? SINGLE_SERVER_ALTERED : LOAD_BALANCED_ALTERED).map(([, r]) => r.Properties.Weight),
  );
  expect(weights).toEqual([[0], [255], [7], [9, 9], []]);
});

describe('placeholder values', () => {
  const warnings = (overrides: Overrides) =>
    STAGE_NUMBERS.map((n) =>
      stageOf(n, overrides)
        .messages.filter((m) => m.level === 'warning')
        .map((m) => m.text),
    );

  test('GIVEN the defaults WHEN synthesized THEN each stack warns that it cannot deploy, naming the keys', () => {
    const message =
      'domainName, hostedZoneId, account still hold placeholder values: this stack synthesizes but cannot deploy. Set them in cdk.json or with -c.';
    expect(warnings({})).toEqual(STAGE_NUMBERS.map(() => [message]));
  });

  test('GIVEN real values WHEN synthesized THEN no stack warns', () => {
    expect(warnings(REAL_PLACE)).toEqual(STAGE_NUMBERS.map(() => []));
  });
});

describe('control: each check `cdk synth` runs really fails it', () => {
  test('an unacknowledged cdk-nag finding', () => {
    const { failed, findings } = fixtureOf('control/nag-finding');
    expect(failed).toBe(true);
    expect(findings).toContainEqual(expect.stringMatching(/^AwsSolutions AwsSolutions-EC23 at Stage1-SingleServer\/WideOpen/));
  });

  test('a property CloudFormation does not know', () => {
    const { failed, findings } = fixtureOf('control/unknown-property');
    expect(failed).toBe(true);
    expect(findings).toContainEqual(expect.stringMatching(/^CloudFormation Validate F3002 at Stage1-SingleServer\/Server\/ElasticIp/));
  });

  test('a broken invariant', () => {
    const { failed, findings } = fixtureOf('control/invariant-broken');
    expect(failed).toBe(true);
    expect(findings).toEqual([expect.stringMatching(/^zero-to-millions invariants ZTM-1 at Stage1-SingleServer\/Server\/SecurityGroup/)]);
  });
});

test("`cdk synth` runs the app with the Node options that halve CloudFormation validation's CPU time", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { app } = require('../cdk.json');
  expect(app).toBe(`node ${SYNTH_NODE_OPTIONS.join(' ')} bin/app.js`);
});
