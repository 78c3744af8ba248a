/**
 * Builds the app the way `cdk synth` does: the same entry (`buildApp`), the same context
 * (cdk.json's, then overrides as `-c` would give them). Built-in CloudFormation validation and
 * cdk-nag are off unless a test exists to check them.
 */
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';
import { StageNumber, STAGES } from '../../lib/config';
import { cdkJsonContext } from '../../lib/config/context';
import { PLACEHOLDER_WARNING, StageStack } from '../../lib/stages/stage-stack';

export const CDK_JSON_CONTEXT = cdkJsonContext();

export interface SynthOptions {
  /** Run cdk-nag's AwsSolutions checks. @default false */
  readonly nag?: boolean;
  /** Run aws-cdk-lib's built-in CloudFormation validation. @default false */
  readonly validation?: boolean;
  /** Bundle Lambda code with esbuild, as `cdk synth` does. @default false: assets are staged unbundled */
  readonly bundling?: boolean;
}

/** `-c key=value` overrides: the CLI passes strings, cdk.json any JSON. */
export type Overrides = Record<string, unknown>;

export function newApp(overrides: Overrides = {}, options: SynthOptions = {}): App {
  return new App({
    // The CLI tells the app which stacks to bundle ('**' for synth); tests bundle only where they test bundling.
    context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': options.bundling ? ['**'] : [], ...overrides },
    builtinCloudFormationValidation: options.validation ?? false,
  });
}

export function buildStacks(overrides: Overrides = {}, options: SynthOptions = {}): { app: App; stacks: StageStack[] } {
  const app = newApp(overrides, options);
  const stacks = buildApp(app, { nag: options.nag ?? false });
  // The tests synthesize the defaults on purpose; the warning about them is tested on its own.
  for (const stack of stacks) {
    Validations.of(stack).acknowledge({ id: `Annotation::${PLACEHOLDER_WARNING}`, reason: 'Tests synthesize the placeholder defaults.' });
  }
  return { app, stacks };
}

const templates = new Map<string, Template>();

/** The template of one stage under a configuration; built once per configuration and stage. */
export function templateOf(stage: StageNumber, overrides: Overrides = {}): Template {
  const key = JSON.stringify([stage, overrides]);
  if (!templates.has(key)) {
    const { stacks } = buildStacks({ ...overrides, stages: String(stage) });
    const stack = stacks.find((s) => s.stackName === STAGES[stage].stackName)!;
    templates.set(key, Template.fromStack(stack));
  }
  return templates.get(key)!;
}

/**
 * Every stage × option combination the README promises: stage 1 has no options; stage 2 each
 * `dataStore`; stage 3 each `webTier` × `dataStore` × `https`.
 */
export const COMBINATIONS: { readonly name: string; readonly stage: StageNumber; readonly overrides: Overrides }[] = [
  { name: 'stage 1', stage: 1, overrides: {} },
  ...(['rds', 'dynamodb'] as const).map((dataStore) => ({ name: `stage 2 dataStore=${dataStore}`, stage: 2 as const, overrides: { dataStore } })),
  ...(['ec2', 'ecs'] as const).flatMap((webTier) =>
    (['rds', 'dynamodb'] as const).flatMap((dataStore) =>
      (['true', 'false'] as const).map((https) => ({
        name: `stage 3 webTier=${webTier} dataStore=${dataStore} https=${https}`,
        stage: 3 as const,
        overrides: { webTier, dataStore, https },
      })),
    ),
  ),
];
