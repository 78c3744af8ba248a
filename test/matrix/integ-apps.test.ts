/**
 * Every stage's integ app (lib/integ/app.ts) synthesizes as `cdk synth` checks the stages
 * (CloudFormation validation, cdk-nag, the invariants: synth throws on a finding), for each web tier
 * and data store, and in a region other than us-east-1 for the CDN stages (the edge's stack then
 * deploys too); and it is isolated: its stacks and records are its own, at weight 0, nothing
 * protected from deletion, every resource tagged, and the assertions deploy after the stage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cdkJsonContext } from '../../lib/config/context';
import { STAGE_NUMBERS, type StageNumber } from '../../lib/config/stages';
import { type SynthesizedIntegApp, synthIntegApp } from '../../lib/integ/app';
import { INTEG_TAG, integIdentity } from '../../lib/integ/identity';
import { ofType } from '../../lib/template';

const identity = integIdentity('k3x9qa');
const CASES: [StageNumber, Record<string, string>][] = STAGE_NUMBERS.flatMap((stage): [StageNumber, Record<string, string>][] => [
  [stage, {}],
  ...(stage >= 3 ? [[stage, { webTier: 'ecs', dataStore: 'dynamodb' }] as [StageNumber, Record<string, string>]] : []),
  ...(stage >= 5
    ? [[stage, { region: 'eu-west-1', availabilityZones: 'eu-west-1a,eu-west-1b' }] as [StageNumber, Record<string, string>]]
    : []),
]);

let outdir: string;
beforeAll(() => (outdir = mkdtempSync(join(tmpdir(), 'ztm-integ-apps-'))));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const synth = (stage: StageNumber, given: Record<string, string>): SynthesizedIntegApp =>
  synthIntegApp(stage, identity, cdkJsonContext(), given, {
    outdir: mkdtempSync(join(outdir, `stage${stage}-`)),
    bundling: false,
    validation: true,
  });

test.each(CASES)('stage %s %j: synthesizes clean, under its own names, at weight 0, destroyable, the assertions last', (stage, given) => {
  const integ = synth(stage, given);
  const names = integ.planned.map((s) => s.stackName);
  for (const name of names) expect(name).toMatch(/^Integ-k3x9qa-/);
  expect(names.at(-1)).toBe('Integ-k3x9qa-Proof');
  expect(integ.stacks.at(-1)!.dependencies).toEqual(expect.arrayContaining(integ.stacks.slice(0, -1)));
  expect(integ.planned.some((s) => s.region === 'us-east-1')).toBe(stage >= 5 || !given.region);

  const stageTemplate = integ.planned.find((s) => s.stackName === integ.stage.stackName)!.template;
  const records = ofType(stageTemplate, 'AWS::Route53::RecordSet').map(([, r]) => r.Properties);
  expect(records.length).toBeGreaterThan(0);
  for (const record of records) {
    expect(record.Name).toMatch(/(^|\.)integ-k3x9qa\.example\.com\.$/);
    if (record.Weight !== undefined) expect(record.Weight).toBe(0);
  }
  for (const [, r] of [...ofType(stageTemplate, 'AWS::RDS::DBCluster'), ...ofType(stageTemplate, 'AWS::RDS::DBInstance')]) {
    expect(r.Properties.DeletionProtection ?? false).toBe(false);
  }
  for (const [, r] of [...ofType(stageTemplate, 'AWS::DynamoDB::GlobalTable'), ...ofType(stageTemplate, 'AWS::DynamoDB::Table')]) {
    expect(r.Properties.DeletionProtectionEnabled ?? r.Properties.Replicas?.[0]?.DeletionProtectionEnabled ?? false).toBe(false);
  }
  for (const [, r] of ofType(stageTemplate, 'AWS::EC2::VPC')) {
    expect(r.Properties.Tags).toEqual(expect.arrayContaining([{ Key: INTEG_TAG, Value: 'k3x9qa' }]));
  }
  expect(integ.proofs).toEqual(['api', 'item', ...(stage === 4 && (given.dataStore ?? 'rds') === 'rds' ? ['reader'] : [])]);
  const proof = integ.planned.at(-1)!.template;
  expect(Object.values(proof.Resources).filter((r) => r.Type.startsWith('Custom::DeployAssert@HttpCall')).length).toBe(
    integ.proofs.length + 1,
  );
});
