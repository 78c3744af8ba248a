/**
 * The integ app of a stage: the stage's stacks under a deploy test's identity (./identity.ts), and
 * beside them an assertions stack of `@aws-cdk/integ-tests-alpha` that proves, during the deploy,
 * what can be proven by one request at a time from inside AWS: the API answers through its front
 * door with the stage's identity, an item written is read back, and from stage 4 (with `rds`) a read
 * is served by an Aurora reader. What needs a client in a loop, a clock, or an AWS action in the
 * middle (the edge's and the data cache, the firewall's rate limit, a server's termination, a
 * failover) is proven afterwards from the user's machine (./drills/).
 *
 * The assertions stack deploys after the stage's stacks (an explicit dependency: the URL is a plain
 * string, no reference orders it), and a failed assertion fails its deployment, so the run goes on
 * to destroy everything and reports which assertion failed.
 */
import { ExpectedResult, type IApiCall, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Fn, Stack, Stage, Tags } from 'aws-cdk-lib';
import { type BuildOptions, buildStages } from '../app';
import { type Config, loadConfig } from '../config';
import type { StageNumber } from '../config/stages';
import type { StageStack } from '../stages/stage-stack';
import { acknowledgePlaceholders } from '../synth';
import { INTEG_TAG, type IntegIdentity, integContext } from './identity';
import type { PlannedStack } from './plan';

/** Retried for DNS that a resolver had cached as absent before the record existed, and for a reader still catching up. */
const WAIT = { totalTimeout: Duration.minutes(5), interval: Duration.seconds(10) };

/** The name of the item every deploy test writes: it says where it came from. */
export const PROOF_ITEM_NAME = 'written by zero-to-millions integ';

export interface IntegApp {
  readonly config: Config;
  /** The `Stage` the stacks are in; its assembly is the one the toolkit deploys. */
  readonly scope: Stage;
  /** Everything the test deploys, stage stacks (and their companions) first. */
  readonly stacks: Stack[];
  readonly stage: StageStack;
  readonly assertions: Stack;
  /** The assertions, by name: `api`, `item`, `reader`. */
  readonly proofs: readonly string[];
}

/** Builds the integ app of `stage` in `app`, whose context is the deploy test's (./identity.ts `integContext`). */
export function buildIntegApp(app: App, stage: StageNumber, identity: IntegIdentity, options: BuildOptions = {}): IntegApp {
  const config = loadConfig(app.node.getAllContext());
  const scope = new Stage(app, identity.stageName, { env: { account: config.account, region: config.region } });
  Tags.of(scope).add(INTEG_TAG, identity.id);
  const [stack] = buildStages(app, scope, config, options);
  if (stack === undefined || stack.stage !== stage || stack.published === undefined) {
    throw new Error(`the integ app of stage ${stage} built no stage ${stage} stack that publishes its API`);
  }

  const assertions = new Stack(scope, 'Proof', {
    env: { account: config.account, region: config.region },
    description: `zero-to-millions deploy test ${identity.id}: the assertions on ${stack.stackName}`,
  });
  for (const s of [stack, ...stack.companions]) assertions.addStackDependency(s, 'the assertions ask the stage, once it is deployed');
  const test = new IntegTest(scope, 'Integ', { testCases: [stack], assertionStack: assertions });

  const url = stack.published.url;
  const proofs: Record<string, IApiCall> = {};
  proofs.api = test.assertions
    .httpApiCall(url)
    .expect(ExpectedResult.objectLike({ status: 200, body: { service: 'zero-to-millions', stage: stack.stackName } }))
    .waitForAssertions(WAIT);

  const written = test.assertions.httpApiCall(`${url}items`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: PROOF_ITEM_NAME, attributes: { integ: identity.id } }),
  });
  written.expect(ExpectedResult.objectLike({ status: 201, body: { name: PROOF_ITEM_NAME } }));
  const itemUrl = Fn.join('', [url, 'items/', written.getAttString('body.id')]);
  proofs.item = test.assertions
    .httpApiCall(itemUrl)
    .expect(ExpectedResult.objectLike({ status: 200, body: { name: PROOF_ITEM_NAME, attributes: { integ: identity.id } } }));
  written.next(proofs.item);

  if (stage === 4 && config.dataStore === 'rds') {
    // A read of a new item may come from the writer (a reader that has not replayed it yet sends it there); asked again, a reader answers.
    proofs.reader = test.assertions
      .httpApiCall(itemUrl)
      .expect(ExpectedResult.objectLike({ status: 200, headers: { 'x-data-source': ['reader'] } }))
      .waitForAssertions(WAIT);
    proofs.item.next(proofs.reader);
  }
  proofs.api.next(written);

  return { config, scope, stacks: [...stack.companions, stack, assertions], stage: stack, assertions, proofs: Object.keys(proofs) };
}

export interface SynthesizedIntegApp extends IntegApp {
  /** The assembly directory of the `Stage`: what the toolkit reads. */
  readonly directory: string;
  /** Each stack, in deploy order, with its region, template and id in the assembly. */
  readonly planned: readonly (PlannedStack & { readonly hierarchicalId: string })[];
}

export interface IntegSynthOptions extends BuildOptions {
  /** Where the assembly is written. */
  readonly outdir: string;
  /** Bundle the assets (a real run); a dry run needs only the templates. */
  readonly bundling: boolean;
}

/**
 * Synthesizes the integ app of `stage` with the user's configuration (`base`: cdk.json's; `given`:
 * `-c`) under `identity`, checked as `cdk synth` checks the stages (validation, cdk-nag, the
 * invariants). A bad configuration throws a `ConfigError`, before anything is written.
 */
export function synthIntegApp(
  stage: StageNumber,
  identity: IntegIdentity,
  base: Readonly<Record<string, unknown>>,
  given: Readonly<Record<string, string>>,
  options: IntegSynthOptions,
): SynthesizedIntegApp {
  const context = integContext(identity, stage, base, given);
  const app = new App({
    outdir: options.outdir,
    context: { ...context, ...(options.bundling ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const built = buildIntegApp(app, stage, identity, options);
  // Placeholders are preflight's to report, as problems, before a real run creates anything.
  acknowledgePlaceholders(built.stacks, 'a dry run needs no real account; a real run refuses placeholders in its preflight');
  app.synth();
  const assembly = built.scope.synth();
  return {
    ...built,
    directory: assembly.directory,
    planned: built.stacks.map((s) => ({
      stackName: s.stackName,
      region: s.region,
      template: assembly.getStackArtifact(s.artifactId).template,
      hierarchicalId: assembly.getStackArtifact(s.artifactId).hierarchicalId,
    })),
  };
}
