import { Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../lib/app';
import { buildStacks, newApp } from './support/app';

const REAL = { domainName: 'mysite.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', account: '210987654321', region: 'eu-west-1' };

test('`cdk list` shows one stack per stage, named for what it is', () => {
  expect(buildStacks().stacks.map((s) => s.stackName)).toEqual(['Stage1-SingleServer', 'Stage2-SeparateData', 'Stage3-LoadBalanced']);
});

test('`stages` selects which stacks the app creates', () => {
  expect(buildStacks({ stages: '3' }).stacks.map((s) => s.stackName)).toEqual(['Stage3-LoadBalanced']);
  expect(buildStacks({ stages: ['Stage1-SingleServer', 2] }).stacks.map((s) => s.stackName)).toEqual(['Stage1-SingleServer', 'Stage2-SeparateData']);
});

test('every stack has an explicit environment from the configuration', () => {
  for (const stack of buildStacks(REAL).stacks) {
    expect([stack.stackName, stack.account, stack.region]).toEqual([stack.stackName, '210987654321', 'eu-west-1']);
    expect(Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)).toBe(false);
  }
});

test('synth needs no AWS call: the assembly asks for no missing context, in the default or another region', () => {
  for (const overrides of [{}, REAL]) {
    const { app } = buildStacks(overrides);
    expect(app.synth().manifest.missing).toBeUndefined();
  }
});

test('the zones are the configured ones, for every construct that asks the stack', () => {
  const { stacks } = buildStacks({ ...REAL, availabilityZones: 'eu-west-1b,eu-west-1c' });
  for (const stack of stacks) expect(stack.availabilityZones).toEqual(['eu-west-1b', 'eu-west-1c']);
});

test('every resource that takes tags is tagged with its stage', () => {
  for (const stack of buildStacks().stacks) {
    const resources = Object.entries(Template.fromStack(stack).toJSON().Resources as Record<string, any>);
    const tagged = resources.filter(([, r]) => Array.isArray(r.Properties?.Tags));
    expect(tagged.length).toBeGreaterThan(5);
    for (const [id, resource] of tagged) {
      expect([id, resource.Properties.Tags]).toEqual([id, expect.arrayContaining([expect.objectContaining({ Key: 'zero-to-millions:stage', Value: stack.stackName })])]);
    }
  }
});

test('each stage record uses the weight configured for it', () => {
  const { stacks } = buildStacks({ weight: '{"1":0,"3":255}' });
  const weights = stacks.map((s) => Template.fromStack(s).findResources('AWS::Route53::RecordSet'))
    .map((records) => Object.values(records as Record<string, any>)[0].Properties.Weight);
  expect(weights).toEqual([0, 100, 255]);
});

describe('placeholder values', () => {
  /** The warnings each stack carries after one synth of the whole app, as `cdk synth` prints them. */
  function warningsByStack(overrides: Record<string, unknown>): Record<string, string[]> {
    const app = newApp(overrides);
    const stacks = buildApp(app, { nag: false });
    const silence = jest.spyOn(console, 'error').mockImplementation(() => undefined); // the warnings are the subject here
    const assembly = app.synth();
    silence.mockRestore();
    return Object.fromEntries(
      stacks.map((stack) => [
        stack.stackName,
        assembly.getStackArtifact(stack.artifactId).messages.filter((m) => m.level === 'warning').map((m) => String(m.entry.data)),
      ]),
    );
  }

  test('GIVEN the defaults WHEN synthesized THEN each stack warns that it cannot deploy, naming the keys', () => {
    const message =
      'domainName, hostedZoneId, account still hold placeholder values: this stack synthesizes but cannot deploy. Set them in cdk.json or with -c. [ack: Annotation::zero-to-millions:placeholder-configuration]';
    expect(warningsByStack({})).toEqual({ 'Stage1-SingleServer': [message], 'Stage2-SeparateData': [message], 'Stage3-LoadBalanced': [message] });
  });

  test('GIVEN real values WHEN synthesized THEN no stack warns', () => {
    expect(warningsByStack(REAL)).toEqual({ 'Stage1-SingleServer': [], 'Stage2-SeparateData': [], 'Stage3-LoadBalanced': [] });
  });
});
