/**
 * The deploy test's sequence (lib/integ/runner.ts) against a mocked toolkit: nothing is created
 * without credentials, a clean preflight and a yes; once anything is, everything is destroyed and
 * swept whatever happens (a failed deploy, a failed or throwing proof, Ctrl-C during the deploy),
 * and what is left is printed with its command.
 */
import { integIdentity } from '../../lib/integ/identity';
import type { Plan } from '../../lib/integ/plan';
import {
  type DeployPort,
  destroyIntegTest,
  type Leftover,
  type Proof,
  type RunnerDeps,
  type RunOptions,
  runIntegTest,
} from '../../lib/integ/runner';
import type { ProofResult, StageUnderTest } from '../../lib/integ/types';

const identity = integIdentity('k3x9qa');
const STACKS = [
  { stackName: 'Integ-k3x9qa-Stage5-CacheAndCdn-Edge', region: 'us-east-1' },
  { stackName: 'Integ-k3x9qa-Stage5-CacheAndCdn', region: 'eu-west-1' },
  { stackName: 'Integ-k3x9qa-Proof', region: 'eu-west-1' },
];
const PLAN: Plan = {
  stacks: STACKS.map((s) => ({ ...s, resources: 3, hourly: 0.1, unpriced: [], createMinutes: 5, deleteMinutes: 4, slowest: [] })),
  hourly: 0.3,
  createMinutes: 15,
  deleteMinutes: 12,
};
const URL = 'https://stage5.integ-k3x9qa.example.com/';

/** A toolkit, a sweep and proofs that record what was asked of them, in order. */
function harness(over: Partial<RunnerDeps> & { deploy?: DeployPort['deploy']; destroy?: DeployPort['destroy'] } = {}) {
  const calls: string[] = [];
  const lines: string[] = [];
  let interrupt: ((count: number) => void) | undefined;
  let clock = 0;
  const proof = (name: string, result: Partial<ProofResult> = {}): Proof => ({
    name,
    run: async (stage: StageUnderTest) => {
      calls.push(`prove ${name} ${stage.url}`);
      return { name, ok: true, detail: 'seen', ms: 1000, ...result };
    },
  });
  const deps: RunnerDeps = {
    stage: 5,
    identity,
    plan: PLAN,
    stacks: STACKS,
    stageStackName: STACKS[1].stackName,
    assertions: ['api', 'item'],
    account: '210987654321',
    credentials: async () => {
      calls.push('credentials');
      return { account: '210987654321' };
    },
    preflight: async () => {
      calls.push('preflight');
      return [];
    },
    confirm: async () => {
      calls.push('confirm');
      return true;
    },
    toolkit: {
      deploy:
        over.deploy ??
        (async (name): Promise<Record<string, string>> => {
          calls.push(`deploy ${name}`);
          clock += 60_000;
          return name === STACKS[1].stackName ? { Url: URL } : {};
        }),
      destroy:
        over.destroy ??
        (async () => {
          calls.push('destroy');
          clock += 120_000;
        }),
    },
    sweep: {
      inventory: async () => {
        calls.push('inventory');
        return { buckets: 1 };
      },
      sweep: async (inventory) => {
        calls.push(`sweep ${JSON.stringify(inventory)}`);
        return { removed: ['bucket integ-logs'], left: [] };
      },
    },
    proofs: [proof('data-cache'), proof('rate-limit')],
    stageUnderTest: (outputs) => ({
      stage: 5,
      config: {} as StageUnderTest['config'],
      url: outputs[STACKS[1].stackName].Url,
      stacks: STACKS,
      physicalIds: async () => [],
    }),
    out: (line) => lines.push(line),
    now: () => clock,
    interrupts: { onInterrupt: (handler) => (interrupt = handler) },
    exit: ((code: number) => {
      calls.push(`exit ${code}`);
      throw new Error(`exit ${code}`);
    }) as RunnerDeps['exit'],
    ...over,
  };
  return { deps, calls, lines, proof, interruptNow: (count: number) => interrupt?.(count) };
}

const REAL: RunOptions = { dryRun: false, yes: false };
const CREATED = (calls: string[]) => calls.filter((c) => c.startsWith('deploy'));

describe('before anything is created', () => {
  test('a dry run prints the plan and asks nothing: not even for credentials', async () => {
    const h = harness();
    expect(await runIntegTest(h.deps, { dryRun: true, yes: false })).toBe(0);
    expect(h.calls).toEqual([]);
    const text = h.lines.join('\n');
    for (const s of STACKS) expect(text).toContain(s.stackName);
    expect(text).toContain('$0.300 an hour');
    expect(text).toMatch(/then proves: api \(during the deploy\), item \(during the deploy\), data-cache, rate-limit/);
    expect(text).toContain('Dry run: nothing was created.');
  });

  test('without credentials: one line, and nothing is created', async () => {
    const h = harness({ credentials: async () => ({ missing: 'Could not load credentials from any providers' }) });
    expect(await runIntegTest(h.deps, REAL)).toBe(2);
    expect(CREATED(h.calls)).toEqual([]);
    expect(h.lines.filter((l) => l.includes('credentials'))).toEqual([
      'No usable AWS credentials (Could not load credentials from any providers): nothing was created.',
    ]);
  });

  test('credentials of another account than the configured one: refused, naming both', async () => {
    const h = harness({ credentials: async () => ({ account: '999999999999' }) });
    expect(await runIntegTest(h.deps, REAL)).toBe(2);
    expect(CREATED(h.calls)).toEqual([]);
    expect(h.lines.at(-1)).toMatch(/account 999999999999.*deploys to 210987654321.*-c account=999999999999/);
  });

  test('a preflight problem blocks the deploy, printed as preflight prints it', async () => {
    const h = harness({ preflight: async () => ['hostedZoneId: no hosted zone Z1 in this account'] });
    expect(await runIntegTest(h.deps, REAL)).toBe(2);
    expect(CREATED(h.calls)).toEqual([]);
    expect(h.lines).toContain('PROBLEM  hostedZoneId: no hosted zone Z1 in this account');
  });

  test('asked and not confirmed: nothing is created; --yes does not ask', async () => {
    const no = harness({ confirm: async () => false });
    expect(await runIntegTest(no.deps, REAL)).toBe(2);
    expect(CREATED(no.calls)).toEqual([]);
    const yes = harness();
    expect(await runIntegTest(yes.deps, { dryRun: false, yes: true })).toBe(0);
    expect(yes.calls).not.toContain('confirm');
  });
});

describe('once something is created, everything is destroyed', () => {
  test('a clean run: each stack in order, the proofs in order, the inventory before the destroy, the sweep after', async () => {
    const h = harness();
    expect(await runIntegTest(h.deps, REAL)).toBe(0);
    expect(h.calls).toEqual([
      'credentials',
      'preflight',
      'confirm',
      ...STACKS.map((s) => `deploy ${s.stackName}`),
      `prove data-cache ${URL}`,
      `prove rate-limit ${URL}`,
      'inventory',
      'destroy',
      'sweep {"buckets":1}',
    ]);
    expect(h.lines).toContain('phases: deploy 3 min, prove 0 s, destroy 2 min, sweep 0 s');
    expect(h.lines.at(-1)).toBe('Stage 5 deployed, proven (2 proofs from outside) and destroyed; nothing is left.');
  });

  test('a stack that fails to deploy: no later stack is deployed, no proof runs, and everything is destroyed', async () => {
    const h = harness({
      deploy: async (name) => {
        if (name === STACKS[1].stackName) throw new Error('Integ-k3x9qa-Stage5-CacheAndCdn failed: CREATE_FAILED Verification');
        return {};
      },
    });
    expect(await runIntegTest(h.deps, REAL)).toBe(1);
    expect(h.calls.filter((c) => c.startsWith('prove'))).toEqual([]);
    expect(h.calls.slice(-3)).toEqual(['inventory', 'destroy', 'sweep {"buckets":1}']);
    expect(h.lines).toContain('FAILED: Integ-k3x9qa-Stage5-CacheAndCdn failed: CREATE_FAILED Verification');
  });

  test('a failed proof and a throwing one are both reported, the rest still run, and everything is destroyed', async () => {
    const h = harness();
    const throwing: Proof = {
      name: 'session-survives',
      run: async () => {
        throw new Error('TerminateInstances: UnauthorizedOperation');
      },
    };
    const deps = {
      ...h.deps,
      proofs: [h.proof('data-cache', { ok: false, detail: 'X-Data-Cache was miss, not hit' }), throwing, h.proof('rate-limit')],
    };
    expect(await runIntegTest(deps, REAL)).toBe(1);
    expect(h.calls).toContain(`prove rate-limit ${URL}`);
    expect(h.calls.slice(-3)).toEqual(['inventory', 'destroy', 'sweep {"buckets":1}']);
    expect(h.lines).toContain('  FAIL  data-cache: X-Data-Cache was miss, not hit (1 s)');
    expect(h.lines).toContain('  FAIL  session-survives: failed: TerminateInstances: UnauthorizedOperation (0 s)');
    expect(h.lines.at(-1)).toBe('2 proof(s) failed: data-cache, session-survives');
  });

  test('Ctrl-C during a deploy: the deploy is not waited for, no later stack starts, and everything is destroyed', async () => {
    let started = 0;
    const h = harness({
      deploy: (name) => {
        started++;
        if (name === STACKS[1].stackName) {
          setImmediate(() => h.interruptNow(1));
          return new Promise(() => undefined); // CloudFormation still creating
        }
        return Promise.resolve({});
      },
    });
    expect(await runIntegTest(h.deps, REAL)).toBe(130);
    expect(started).toBe(2);
    expect(h.calls.slice(-3)).toEqual(['inventory', 'destroy', 'sweep {"buckets":1}']);
    expect(h.lines).toContain('Interrupted: destroying what was created (Ctrl-C again to hear how to finish it later).');
  });

  test('Ctrl-C during the destroy: the second says the destroy goes on, the third leaves with the command that finishes it', async () => {
    let finishDestroy: () => void = () => undefined;
    const h = harness({
      destroy: () =>
        new Promise<void>((resolve) => {
          finishDestroy = resolve;
          setImmediate(() => {
            h.interruptNow(2);
            expect(() => h.interruptNow(3)).toThrow('exit 130');
            finishDestroy();
          });
        }),
    });
    await runIntegTest(h.deps, REAL);
    expect(h.lines.some((l) => l.startsWith('The destroy goes on.') && l.includes('npm run integ -- 5 --destroy k3x9qa'))).toBe(true);
    expect(h.lines).toContain('Left while destroying. Finish it with: npm run integ -- 5 --destroy k3x9qa');
    expect(h.calls).toContain('exit 130');
  });

  test('a destroy that fails, and what the sweep could not remove, are left with their commands', async () => {
    const left: Leftover = {
      what: 'DB cluster snapshot integ-k3x9qa-stage5-snapshot',
      region: 'eu-west-1',
      why: 'AccessDenied',
      command: 'aws rds delete-db-cluster-snapshot --db-cluster-snapshot-identifier integ-k3x9qa-stage5-snapshot --region eu-west-1',
    };
    const h = harness({
      destroy: async () => {
        throw new Error('Integ-k3x9qa-Stage5-CacheAndCdn: DELETE_FAILED');
      },
    });
    const deps = { ...h.deps, sweep: { inventory: async () => ({}), sweep: async () => ({ removed: [], left: [left] }) } };
    expect(await runIntegTest(deps, REAL)).toBe(1);
    const text = h.lines.join('\n');
    expect(text).toContain('destroy failed: Integ-k3x9qa-Stage5-CacheAndCdn: DELETE_FAILED');
    expect(text).toContain('2 thing(s) left:');
    expect(text).toContain(left.command);
    expect(text).toContain('npm run integ -- 5 --destroy k3x9qa');
  });

  test('an inventory that cannot be taken still destroys, and says the sweep did not run', async () => {
    const h = harness();
    const deps = {
      ...h.deps,
      sweep: {
        inventory: async () => {
          throw new Error('AccessDenied: cloudformation:ListStackResources');
        },
        sweep: async () => ({ removed: [], left: [] }),
      },
    };
    expect(await runIntegTest(deps, REAL)).toBe(1);
    expect(h.calls).toContain('destroy');
    expect(h.lines.join('\n')).toContain('could not list what the stacks hold (AccessDenied: cloudformation:ListStackResources)');
  });
});

describe('--destroy <id>: what an earlier run left', () => {
  test('destroys and sweeps, deploying nothing; without credentials it touches nothing', async () => {
    const h = harness();
    expect(await destroyIntegTest(h.deps)).toBe(0);
    expect(h.calls).toEqual(['credentials', 'inventory', 'destroy', 'sweep {"buckets":1}']);
    const none = harness({ credentials: async () => ({ missing: 'no profile' }) });
    expect(await destroyIntegTest(none.deps)).toBe(2);
    expect(none.calls).toEqual([]);
  });
});
