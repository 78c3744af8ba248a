import { type App, Validations } from 'aws-cdk-lib';
import { InvariantsPlugin } from './checks/invariants-plugin';
import { type Config, loadConfig, type StageNumber } from './config';
import type { StageStack } from './stages/stage-stack';
import { SingleServerStage } from './stages/stage1-single-server';
import { SeparateDataStage } from './stages/stage2-separate-data';
import { LoadBalancedStage } from './stages/stage3-load-balanced';
import { ReplicatedDataStage } from './stages/stage4-replicated-data';
import { CacheAndCdnStage } from './stages/stage5-cache-and-cdn';
import { StatelessStage } from './stages/stage6-stateless';

const STAGE_STACKS: Record<StageNumber, new (app: App, config: Config) => StageStack> = {
  1: SingleServerStage,
  2: SeparateDataStage,
  3: LoadBalancedStage,
  4: ReplicatedDataStage,
  5: CacheAndCdnStage,
  6: StatelessStage,
};

export interface BuildOptions {
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

/**
 * Builds the stage stacks the configuration selects. The configuration (the app's context) is
 * validated first and in full: a bad configuration throws a `ConfigError` and creates no stack.
 */
export function buildApp(app: App, options: BuildOptions = {}): StageStack[] {
  const config = loadConfig(app.node.getAllContext());
  const stacks = config.stages.map((stage) => new STAGE_STACKS[stage](app, config));
  if (options.nag ?? true) {
    // Loaded only when used: cdk-nag loads every rule pack, about a third of a second.
    const { AwsSolutionsChecks } = require('cdk-nag') as typeof import('cdk-nag');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  if (options.invariants ?? true) Validations.of(app).addPlugins(new InvariantsPlugin());
  return stacks;
}
