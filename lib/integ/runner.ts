/**
 * The deploy test's sequence, apart from AWS so it is tested against a mocked toolkit and recorded
 * answers: the plan, then (unless it is a dry run) the credentials, the preflight checks and the
 * user's yes; the deploy (the assertions stack proves what it can during it), the proofs from
 * outside, and then, whatever happened (a failed deploy, a failed proof, an error, Ctrl-C), the
 * destroy of every stack and the sweep of what a stack deletion leaves (retained buckets and
 * tables, final snapshots, the log groups Lambda made); and last what each phase took, and what is
 * left with the command that removes it.
 *
 * Ctrl-C once: the run stops what it is doing (a deploy in progress is not waited for:
 * CloudFormation cancels a stack's creation when it is deleted) and destroys. Ctrl-C again while it
 * destroys: it says that the destroy goes on, and how to finish it later. A third time: it leaves,
 * printing that command.
 */
import type { StageNumber } from '../config/stages';
import type { IntegIdentity } from './identity';
import { type Plan, renderPlan } from './plan';
import type { Leftover } from './sweep/remnants';
import type { DeployedStack, ProofResult, StageUnderTest } from './types';

export type { Leftover } from './sweep/remnants';

/** What the runner needs of the CDK toolkit (./toolkit.ts: `@aws-cdk/toolkit-lib`). */
export interface DeployPort {
  /** Deploys one stack (its dependencies are deployed first, by the runner); resolves with its outputs. */
  deploy(stackName: string): Promise<Record<string, string>>;
  /** Deletes the stacks, those that depend on others first, waiting for each; a stack that does not exist is no error. */
  destroy(): Promise<void>;
}

/** What stack deletion leaves: recorded before the destroy (./leftovers.ts), removed after it. */
export interface SweepPort {
  inventory(): Promise<unknown>;
  sweep(inventory: unknown): Promise<{ removed: readonly string[]; left: readonly Leftover[] }>;
}

/** A proof from outside (./drills/): run in this order, after the deploy. */
export interface Proof {
  readonly name: string;
  run(stage: StageUnderTest): Promise<ProofResult>;
}

export interface RunnerDeps {
  readonly stage: StageNumber;
  readonly identity: IntegIdentity;
  readonly plan: Plan;
  readonly stacks: readonly DeployedStack[];
  /** The stack whose `Url` output is the front door. */
  readonly stageStackName: string;
  /** The assertions the integ app deploys, by name, for the report. */
  readonly assertions: readonly string[];
  /** The account the credentials are of, or why there are none. */
  credentials(): Promise<{ readonly account: string } | { readonly missing: string }>;
  /** The configured account, which the credentials must be of. */
  readonly account: string;
  /** Problems that block a deploy (placeholders, the hosted zone, bootstrapping: lib/preflight), each a line. */
  preflight(): Promise<readonly string[]>;
  /** Asks the user; resolves true to go on. */
  confirm(question: string): Promise<boolean>;
  readonly toolkit: DeployPort;
  readonly sweep: SweepPort;
  readonly proofs: readonly Proof[];
  /** The deployed stage, for the proofs, from the stage stack's outputs. */
  stageUnderTest(outputs: Record<string, Record<string, string>>): StageUnderTest;
  readonly out: (line: string) => void;
  readonly now: () => number;
  /** Ctrl-C: `onInterrupt` is called on each one; `interrupted` says whether any came. */
  readonly interrupts: { onInterrupt(handler: (count: number) => void): void };
  /** Ends the process at once (a third Ctrl-C). */
  readonly exit: (code: number) => never;
}

export interface RunOptions {
  /** Print the plan, ask nothing, create nothing. */
  readonly dryRun: boolean;
  /** Do not ask before deploying. */
  readonly yes: boolean;
}

/** 0: deployed, proven and destroyed, nothing left. 1: something failed or is left. 2: nothing was created (no credentials, a problem, no yes). 130: interrupted. */
export type ExitCode = 0 | 1 | 2 | 130;

/** How long each phase took, for the report. */
class Phases {
  private readonly done: [string, number][] = [];
  constructor(private readonly now: () => number) {}
  async time<T>(name: string, work: () => Promise<T>): Promise<T> {
    const start = this.now();
    try {
      return await work();
    } finally {
      this.done.push([name, this.now() - start]);
    }
  }
  line(): string {
    return `phases: ${this.done.map(([name, ms]) => `${name} ${duration(ms)}`).join(', ')}`;
  }
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
}

/** The command that finishes the destroy of a run that did not: the same stage and configuration, the same id. */
export const destroyCommand = (stage: StageNumber, identity: IntegIdentity) => `npm run integ -- ${stage} --destroy ${identity.id}`;

export async function runIntegTest(deps: RunnerDeps, options: RunOptions): Promise<ExitCode> {
  const { out } = deps;
  out(`Deploy test ${deps.identity.id} of stage ${deps.stage}: it creates, under its own names (${deps.identity.stageName}-*),`);
  out(...[renderPlan(deps.plan).join('\n')]);
  out(`  then proves: ${[...deps.assertions.map((a) => `${a} (during the deploy)`), ...deps.proofs.map((p) => p.name)].join(', ')}`);
  out('  and destroys everything it created, retained data included.');
  if (options.dryRun) {
    out('Dry run: nothing was created.');
    return 0;
  }

  if (!(await credentialsAreOfTheAccount(deps))) return 2;
  const problems = await deps.preflight();
  if (problems.length > 0) {
    for (const p of problems) out(`PROBLEM  ${p}`);
    out(`${problems.length} problem(s) block the deploy: nothing was created.`);
    return 2;
  }
  if (!options.yes && !(await deps.confirm(`Deploy ${deps.plan.stacks.length} stack(s) to account ${deps.account}?`))) {
    out('Not confirmed: nothing was created.');
    return 2;
  }

  return await deployProveDestroy(deps);
}

/** The credentials are there, and of the configured account; otherwise it says why, in one line. */
async function credentialsAreOfTheAccount(deps: RunnerDeps): Promise<boolean> {
  const credentials = await deps.credentials();
  if ('missing' in credentials) {
    deps.out(`No usable AWS credentials (${credentials.missing}): nothing was created.`);
    return false;
  }
  if (credentials.account !== deps.account) {
    deps.out(
      `account: the credentials are of account ${credentials.account}, the configuration deploys to ${deps.account}: nothing was created. Set -c account=${credentials.account}, or use credentials of ${deps.account}.`,
    );
    return false;
  }
  return true;
}

/**
 * `--destroy <id>`: destroys what an earlier run of the same stage and configuration left (its stacks,
 * and what their deletion leaves), as that run would have. Ctrl-C leaves at once, saying so.
 */
export async function destroyIntegTest(deps: RunnerDeps): Promise<ExitCode> {
  deps.out(`Destroying deploy test ${deps.identity.id} of stage ${deps.stage}: ${deps.stacks.map((s) => s.stackName).join(', ')}`);
  if (!(await credentialsAreOfTheAccount(deps))) return 2;
  deps.interrupts.onInterrupt(() => {
    deps.out(`Left while destroying. Finish it with: ${destroyCommand(deps.stage, deps.identity)}`);
    deps.exit(130);
  });
  const phases = new Phases(deps.now);
  const left = await destroyAndSweep(deps, phases);
  deps.out(phases.line());
  return left === 0 ? 0 : 1;
}

async function deployProveDestroy(deps: RunnerDeps): Promise<ExitCode> {
  const { out } = deps;
  const phases = new Phases(deps.now);
  let interrupted = false;
  let destroying = false;
  let stopDeploy: (() => void) | undefined;
  deps.interrupts.onInterrupt((count) => {
    interrupted = true;
    if (!destroying) {
      out('Interrupted: destroying what was created (Ctrl-C again to hear how to finish it later).');
      stopDeploy?.();
    } else if (count === 2) {
      out(
        `The destroy goes on. To leave now and finish it later, Ctrl-C once more, then run: ${destroyCommand(deps.stage, deps.identity)}`,
      );
    } else {
      out(`Left while destroying. Finish it with: ${destroyCommand(deps.stage, deps.identity)}`);
      deps.exit(130);
    }
  });

  const results: ProofResult[] = [];
  let failure: string | undefined;
  try {
    const outputs: Record<string, Record<string, string>> = {};
    await phases.time('deploy', async () => {
      // One stack at a time, so an interrupt starts no further stack; the one in progress is not waited for.
      for (const { stackName } of deps.stacks) {
        if (interrupted) throw new Interrupted();
        out(`deploying ${stackName}`);
        const deployed = await untilInterrupted(deps.toolkit.deploy(stackName), (stop) => (stopDeploy = stop));
        if (deployed === undefined) throw new Interrupted();
        outputs[stackName] = deployed;
      }
    });
    stopDeploy = undefined;
    out(`deployed; the assertions passed: ${deps.assertions.join(', ')}`);
    const stage = deps.stageUnderTest(outputs);
    out(`proving from outside, through ${stage.url}`);
    await phases.time('prove', async () => {
      for (const proof of deps.proofs) {
        if (interrupted) throw new Interrupted();
        const result = await proof
          .run(stage)
          .catch((error: Error): ProofResult => ({ name: proof.name, ok: false, detail: `failed: ${error.message}`, ms: 0 }));
        results.push(result);
        out(`  ${result.ok ? 'ok  ' : 'FAIL'}  ${result.name}: ${result.detail} (${duration(result.ms)})`);
      }
    });
  } catch (error) {
    if (!(error instanceof Interrupted)) failure = (error as Error).message;
  }
  if (failure !== undefined) out(`FAILED: ${failure}`);

  destroying = true;
  const left = await destroyAndSweep(deps, phases);
  out(phases.line());
  const failed = results.filter((r) => !r.ok);
  if (interrupted) {
    out('Interrupted.');
    return 130;
  }
  if (failure === undefined && failed.length === 0 && left === 0) {
    out(`Stage ${deps.stage} deployed, proven (${results.length} proofs from outside) and destroyed; nothing is left.`);
    return 0;
  }
  if (failed.length > 0) out(`${failed.length} proof(s) failed: ${failed.map((r) => r.name).join(', ')}`);
  return 1;
}

/**
 * Destroys every stack, then removes what their deletion left. What is left is printed with its
 * command; returns how many things are left. The inventory is taken first, while the stacks still
 * say what they hold.
 */
async function destroyAndSweep(deps: RunnerDeps, phases: Phases): Promise<number> {
  const { out } = deps;
  const inventory = await deps.sweep.inventory().catch((error: Error) => {
    out(`could not list what the stacks hold (${error.message}): what their deletion leaves is not removed`);
    return undefined;
  });
  let destroyed = true;
  await phases.time('destroy', () =>
    deps.toolkit.destroy().catch((error: Error) => {
      destroyed = false;
      out(`destroy failed: ${error.message}`);
    }),
  );
  const left: Leftover[] = [];
  if (inventory === undefined) {
    left.push({
      what: 'what the deletion of the stacks leaves (retained buckets and tables, final snapshots, log groups)',
      region: deps.stacks.map((s) => s.region).join(', '),
      why: 'not listed, so not removed',
      command: destroyCommand(deps.stage, deps.identity),
    });
  } else {
    const report = await phases.time('sweep', () => deps.sweep.sweep(inventory));
    for (const r of report.removed) out(`  removed ${r}`);
    left.push(...report.left);
  }
  if (!destroyed) {
    left.push({
      what: `the stacks ${deps.stacks.map((s) => s.stackName).join(', ')}`,
      region: deps.stacks.map((s) => s.region).join(', '),
      why: 'the destroy did not finish',
      command: destroyCommand(deps.stage, deps.identity),
    });
  }
  if (left.length === 0) {
    out('nothing is left');
  } else {
    out(`${left.length} thing(s) left:`);
    for (const l of left) out(`  ${l.what} (${l.region}): ${l.why}\n    ${l.command}`);
  }
  return left.length;
}

class Interrupted extends Error {}

/** The work's result, or undefined as soon as `stop` is called; the work is left to settle (and fail) on its own. */
function untilInterrupted<T>(work: Promise<T>, register: (stop: () => void) => void): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    register(() => resolve(undefined));
    work.then(resolve, reject);
  });
}
