/**
 * Property-based tests of `loadConfig`, seeded and reproducible: every configuration the README
 * rejects is rejected with a message naming each bad key and no key the user did not write; every
 * one it allows is accepted. (`npm run test:matrix` synthesizes a sample of the allowed ones through
 * every check.)
 *
 * FUZZ_RUNS and FUZZ_SEED override the number of cases and the seed (for example to reproduce a
 * failure fast-check reports).
 */
import fc from 'fast-check';
import { ConfigError, loadConfig } from '../../lib/config';
import { cdkJsonContext } from '../../lib/config/context';
import { FUZZ_SEED, invalidConfiguration, REJECTION_RUNS, validConfiguration } from '../support/config-arbitraries';

const CDK_JSON_CONTEXT = cdkJsonContext();

/** The keys a problem line is about: the text before its first colon-and-space. */
const keysOf = (problem: string) => problem.slice(0, problem.indexOf(': ')).split(', ');

test(`${REJECTION_RUNS} generated bad configurations: each is rejected, naming every bad key and no other`, () => {
  fc.assert(
    fc.property(invalidConfiguration, ({ context, badKeys }) => {
      let error: unknown;
      try {
        loadConfig({ ...CDK_JSON_CONTEXT, ...context });
      } catch (e) {
        error = e;
      }
      if (!(error instanceof ConfigError)) throw new Error(`accepted, or failed with something other than a ConfigError: ${String(error)}`);
      const problems = error.problems;
      const named = new Set(problems.flatMap(keysOf));
      expect({
        badKeysNotNamed: badKeys.filter((key) => !named.has(key)),
        // No problem is about a key the user did not write.
        problemsAboutUnwrittenKeys: problems.filter((p) => !keysOf(p).some((k) => k in context)),
        // The message a user sees lists each problem on its own line.
        problemsMissingFromMessage: problems.filter((p) => !error.message.includes(`  - ${p}`)),
      }).toEqual({ badKeysNotNamed: [], problemsAboutUnwrittenKeys: [], problemsMissingFromMessage: [] });
    }),
    { seed: FUZZ_SEED, numRuns: REJECTION_RUNS },
  );
});

test(`${REJECTION_RUNS} generated allowed configurations are all accepted`, () => {
  fc.assert(
    fc.property(validConfiguration, (context) => {
      expect(() => loadConfig({ ...CDK_JSON_CONTEXT, ...context })).not.toThrow();
    }),
    { seed: FUZZ_SEED, numRuns: REJECTION_RUNS },
  );
});
