/**
 * Every stage × option combination the app accepts, and a synth that yields both the template and
 * the findings of CloudFormation validation and cdk-nag, so each combination is built once.
 */
import { readFileSync } from 'node:fs';
import type { App } from 'aws-cdk-lib';
import { join } from 'node:path';
import { StageNumber, STAGES } from '../../lib/config';
import { buildStacks, Overrides } from './app';
import { Subject, TemplateJson } from './invariants';

export interface Combination {
  readonly name: string;
  readonly stage: StageNumber;
  readonly overrides: Overrides;
}

const cross = <T extends Record<string, readonly unknown[]>>(dimensions: T): { [K in keyof T]: T[K][number] }[] =>
  Object.entries(dimensions).reduce<any[]>((acc, [key, values]) => acc.flatMap((partial) => values.map((v) => ({ ...partial, [key]: v }))), [{}]);

const nameOf = (stage: StageNumber, o: Overrides) => `stage ${stage} ${Object.entries(o).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}`;

/** Networks at their bounds: fewer NAT gateways than zones, one per zone, and three zones. */
const NETWORKS = [
  { availabilityZones: 'us-east-1a,us-east-1b', natGateways: '1' },
  { availabilityZones: 'us-east-1a,us-east-1b', natGateways: '2' },
  { availabilityZones: 'us-east-1a,us-east-1b,us-east-1c', natGateways: '3' },
];
/** Capacities at their bounds: the smallest, the widest and the largest range the app accepts. */
const CAPACITIES = [
  { minCapacity: '2', maxCapacity: '2' },
  { minCapacity: '2', maxCapacity: '100' },
  { minCapacity: '100', maxCapacity: '100' },
];

export const MATRIX: Combination[] = [
  ...cross({ instanceType: ['t3.small', 'm7g.large'], deletionProtection: ['true', 'false'] }).map((o) => ({ stage: 1 as const, overrides: o })),
  ...cross({ dataStore: ['rds', 'dynamodb'], deletionProtection: ['true', 'false'] }).map((o) => ({ stage: 2 as const, overrides: o })),
  ...cross({ webTier: ['ec2', 'ecs'], dataStore: ['rds', 'dynamodb'], https: ['true', 'false'], network: NETWORKS, capacity: CAPACITIES }).map(
    ({ network, capacity, ...o }) => ({ stage: 3 as const, overrides: { ...o, ...network, ...capacity } }),
  ),
  // deletionProtection reaches only the data tier (and stage 1's instance): it is crossed with the
  // options that shape the data tier, not with networks and capacities that never touch it.
  ...cross({ webTier: ['ec2', 'ecs'], dataStore: ['rds', 'dynamodb'], deletionProtection: ['false'] }).map((o) => ({ stage: 3 as const, overrides: o })),
].map(({ stage, overrides }) => ({ name: nameOf(stage, overrides), stage, overrides }));

export interface Checked extends Subject {
  /** Findings of CloudFormation validation and cdk-nag that no acknowledgement covers. */
  readonly findings: string[];
}

/**
 * Synthesizes an app and returns the findings of its validation report (CloudFormation validation,
 * cdk-nag) that no acknowledgement covers, and whether synth failed because of them.
 */
export function synthReport(app: App): { threw: boolean; findings: string[] } {
  let threw: unknown;
  const print = console.error; // synth prints the findings it reports; they are returned instead
  console.error = () => undefined;
  try {
    app.synth();
  } catch (error) {
    threw = error;
  } finally {
    console.error = print;
  }
  const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8'));
  const findings: string[] = report.pluginReports.flatMap((plugin: { pluginName: string; violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[] }) =>
    plugin.violations.map((v) => `${plugin.pluginName} ${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`),
  );
  if (threw && findings.length === 0) throw threw;
  return { threw: threw !== undefined, findings };
}

/** Builds one stage with validation and cdk-nag on, synthesizes once, and returns what the invariants read. */
export function synthChecked(stage: StageNumber, overrides: Overrides): Checked {
  const { app, stacks } = buildStacks({ ...overrides, stages: String(stage) }, { nag: true, validation: true });
  const { findings } = synthReport(app);
  const stack = stacks.find((s) => s.stackName === STAGES[stage].stackName)!;
  const template: TemplateJson = JSON.parse(readFileSync(join(app.outdir, stack.templateFile), 'utf8'));
  return { stage, config: stack.config, template, findings };
}
