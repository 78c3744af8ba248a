import { type App, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { InvariantsPlugin } from './checks/invariants-plugin';
import { CachedCloudFormationValidation } from './checks/validation-cache';
import { type Config, loadConfig, type StageNumber } from './config';
import type { StageStack } from './stages/stage-stack';
import { SingleServerStage } from './stages/stage1-single-server';
import { SeparateDataStage } from './stages/stage2-separate-data';
import { LoadBalancedStage } from './stages/stage3-load-balanced';
import { ReplicatedDataStage } from './stages/stage4-replicated-data';
import { CacheAndCdnStage } from './stages/stage5-cache-and-cdn';
import { StatelessStage } from './stages/stage6-stateless';

const STAGE_STACKS: Record<StageNumber, new (scope: Construct, config: Config) => StageStack> = {
  1: SingleServerStage,
  2: SeparateDataStage,
  3: LoadBalancedStage,
  4: ReplicatedDataStage,
  5: CacheAndCdnStage,
  6: StatelessStage,
};

export interface BuildOptions {
  /**
   * Validate every template with CloudFormation validation through the cache of earlier answers
   * (lib/checks/validation-cache.ts), in place of aws-cdk-lib's built-in plugin; `CDK_VALIDATION=false`
   * (`cdk synth --no-validation`) still turns it off.
   *
   * @default false - the app's `builtinCloudFormationValidation` decides, without the cache
   */
  readonly validation?: boolean;
  /**
   * Run cdk-nag's AwsSolutions checks when the app synthesizes.
   *
   * @default true
   */
  readonly nag?: boolean;
  /**
   * Enforce the invariants (lib/checks/invariants.ts) on every stage template when the app
   * synthesizes.
   *
   * @default true
   */
  readonly invariants?: boolean;
}

/** The stage stacks a configuration selects, in `scope`: the app, or an aws-cdk-lib `Stage` in it. */
export function stageStacks(scope: Construct, config: Config): StageStack[] {
  return config.stages.map((stage) => new STAGE_STACKS[stage](scope, config));
}

/**
 * Builds the stage stacks the configuration selects. The configuration (the app's context) is
 * validated first and in full: a bad configuration throws a `ConfigError` and creates no stack.
 */
export function buildApp(app: App, options: BuildOptions = {}): StageStack[] {
  return buildStages(app, app, loadConfig(app.node.getAllContext()), options);
}

/**
 * Builds the stage stacks of `config` in `scope` (the app, or a `Stage` in it such as a deploy
 * test's) and adds the checks the options ask for to the app, which runs them on every stack in it.
 */
export function buildStages(app: App, scope: Construct, config: Config, options: BuildOptions = {}): StageStack[] {
  const stacks = stageStacks(scope, config);
  if (options.validation === true && process.env.CDK_VALIDATION !== 'false') {
    Validations.of(app).addPlugins(CachedCloudFormationValidation.instance());
  }
  if (options.nag ?? true) {
    // Loaded only when used: cdk-nag loads every rule pack, about a third of a second.
    const { AwsSolutionsChecks } = require('cdk-nag') as typeof import('cdk-nag');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  if (options.invariants ?? true) Validations.of(app).addPlugins(new InvariantsPlugin());
  return stacks;
}
