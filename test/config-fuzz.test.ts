/**
 * Property-based tests of the configuration, seeded and reproducible: every configuration the app
 * rejects is rejected before any stack is built, with a message naming each bad key; every one it
 * accepts is accepted; test/config-fuzz-synth.test.ts synthesizes a sample of those and checks them.
 *
 * FUZZ_RUNS and FUZZ_SEED override the number of cases and the seed (for example to reproduce a
 * failure fast-check reports).
 */
import { Stack } from 'aws-cdk-lib';
import fc from 'fast-check';
import { buildApp } from '../lib/app';
import { ConfigError, loadConfig } from '../lib/config';
import { CDK_JSON_CONTEXT, newApp } from './support/app';
import { FUZZ_SEED, invalidConfiguration, REJECTION_RUNS, validConfiguration } from './support/config-arbitraries';

const SEED = FUZZ_SEED;

/** The keys a problem line is about: the text before its first colon. */
const keysOf = (problem: string) => problem.slice(0, problem.indexOf(':')).split(', ');

test(`${REJECTION_RUNS} generated bad configurations: each fails before any stack exists, naming every bad key`, () => {
  fc.assert(
    fc.property(invalidConfiguration, ({ context, badKeys }) => {
      const app = newApp(context);
      let error: unknown;
      try {
        buildApp(app, { nag: false });
      } catch (e) {
        error = e;
      }
      if (!(error instanceof ConfigError)) throw new Error(`accepted, or failed with something other than a ConfigError: ${String(error)}`);
      const problems = error.problems;
      const named = new Set(problems.flatMap(keysOf));
      expect({
        stacksCreated: app.node.children.filter((c) => Stack.isStack(c)).length,
        badKeysNotNamed: badKeys.filter((key) => !named.has(key)),
        // No problem is about a key the user did not write.
        problemsAboutUnwrittenKeys: problems.filter((p) => !keysOf(p).some((k) => k in context)),
        // The message a user sees lists each problem on its own line.
        problemsMissingFromMessage: problems.filter((p) => !error.message.includes(`  - ${p}`)),
      }).toEqual({ stacksCreated: 0, badKeysNotNamed: [], problemsAboutUnwrittenKeys: [], problemsMissingFromMessage: [] });
    }),
    { seed: SEED, numRuns: REJECTION_RUNS },
  );
});

test(`${REJECTION_RUNS} generated allowed configurations are all accepted`, () => {
  fc.assert(
    fc.property(validConfiguration, (context) => {
      expect(() => loadConfig({ ...CDK_JSON_CONTEXT, ...context })).not.toThrow();
    }),
    { seed: SEED, numRuns: REJECTION_RUNS },
  );
});
