/**
 * The validation cache (lib/checks/validation-cache.ts) answers as CloudFormation validation does:
 * for the same templates, the built-in plugin, the cache with nothing in it and the cache that has
 * seen them all give the same report, findings included; and a template whose bytes differ by one
 * character is validated again.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnResource, CloudFormationValidatePlugin, type IPolicyValidationContext } from 'aws-cdk-lib';
import { buildApp } from '../../lib/app';
import { CachedCloudFormationValidation } from '../../lib/checks/validation-cache';
import { contextWith, synthReport } from '../../lib/synth';

const root = mkdtempSync(join(tmpdir(), 'ztm-validation-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every stage in one assembly, stage 1 in another place, and stage 1 again with a property CloudFormation does not know. */
function assembly(name: string, overrides: Record<string, string>, fault = false): IPolicyValidationContext {
  const app = new App({ context: contextWith(overrides), outdir: join(root, name), builtinCloudFormationValidation: false });
  const stacks = buildApp(app, { nag: false, invariants: false });
  if (fault) {
    const eip = stacks[0].node
      .findAll()
      .find((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::EC2::EIP')!;
    eip.addPropertyOverride('NotAProperty', true);
  }
  synthReport(app); // quietly: the stacks carry the placeholder warning
  const cloudAssembly = app.synth(); // the assembly just written
  const stackTemplates = cloudAssembly.stacks.map((s) => ({
    stackConstructPath: s.hierarchicalId,
    templatePath: s.templateFullPath,
    accountId: s.environment.account,
    region: s.environment.region,
  }));
  return { templatePaths: stackTemplates.map((s) => s.templatePath), stackTemplates } as unknown as IPolicyValidationContext;
}

const every = assembly('every', { stages: '1,2,3,4,5,6' });
const elsewhere = assembly('elsewhere', { stages: '1', region: 'eu-west-1', availabilityZones: 'eu-west-1a,eu-west-1b' });
const faulty = assembly('faulty', { stages: '1' }, true);
const contexts = [every, elsewhere, faulty];
const builtIn = new CloudFormationValidatePlugin();
// One of each for the whole file: each starts its own validator, which takes seconds.
const cached = new CachedCloudFormationValidation({ directory: join(root, 'answers') });

test('the cache with no answers, then with every answer, reports what the built-in plugin reports, findings included', () => {
  const expected = contexts.map((c) => builtIn.validate(c));
  expect(expected[2].violations.map((v) => v.ruleName)).toContain('F3002'); // the fault is found: the comparison compares something
  expect(contexts.map((c) => cached.validate(c))).toEqual(expected);
  expect(cached.counts).toEqual({ cached: 0, validated: 8 });
  expect(contexts.map((c) => cached.validate(c))).toEqual(expected);
  expect(cached.counts).toEqual({ cached: 8, validated: 8 });
});

test('a template that differs by one byte is validated again, and a finding its bytes bring is reported', () => {
  const [stage1] = faulty.stackTemplates;
  const changed = join(root, 'changed.template.json');
  writeFileSync(changed, readFileSync(stage1.templatePath, 'utf8').replace('"NotAProperty": true', '"NotAPropertY": true'));
  const context = {
    templatePaths: [changed],
    stackTemplates: [{ ...stage1, templatePath: changed }],
  } as unknown as IPolicyValidationContext;
  const report = cached.validate(context);
  expect(cached.counts).toEqual({ cached: 8, validated: 9 });
  expect(report).toEqual(builtIn.validate(context));
  expect(JSON.stringify(report.violations)).toContain('NotAPropertY');
});

test('cdk synth --no-validation (CDK_VALIDATION=false) still validates nothing', () => {
  const findingsWith = (validation: string | undefined) => {
    const before = process.env.CDK_VALIDATION;
    if (validation === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = validation;
    try {
      const app = new App({ context: contextWith({ stages: '1' }), outdir: mkdtempSync(join(root, 'flag-')) });
      const [stage1] = buildApp(app, { validation: true, nag: false, invariants: false });
      const eip = stage1.node
        .findAll()
        .find((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::EC2::EIP')!;
      eip.addPropertyOverride('NotAProperty', true);
      return synthReport(app).findings.filter((f) => f.startsWith(CloudFormationValidatePlugin.PLUGIN_NAME));
    } finally {
      if (before === undefined) delete process.env.CDK_VALIDATION;
      else process.env.CDK_VALIDATION = before;
    }
  };
  expect(findingsWith(undefined).length).toBeGreaterThan(0);
  expect(findingsWith('false')).toEqual([]);
});
