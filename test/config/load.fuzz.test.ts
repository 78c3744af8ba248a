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
      // Plain checks, not expect(): this runs a thousand times, and fast-check reports the failing case.
      const badKeysNotNamed = badKeys.filter((key) => !named.has(key));
      if (badKeysNotNamed.length > 0)
        throw new Error(`bad keys not named: ${badKeysNotNamed.join(', ')}; problems: ${problems.join(' | ')}`);
      const aboutUnwritten = problems.filter((p) => !keysOf(p).some((k) => k in context));
      if (aboutUnwritten.length > 0) throw new Error(`problems about keys the user did not write: ${aboutUnwritten.join(' | ')}`);
      const missing = problems.filter((p) => !error.message.includes(`  - ${p}`));
      if (missing.length > 0) throw new Error(`problems missing from the message: ${missing.join(' | ')}`);
    }),
    { seed: FUZZ_SEED, numRuns: REJECTION_RUNS },
  );
});

test(`${REJECTION_RUNS} generated allowed configurations are all accepted`, () => {
  fc.assert(
    fc.property(validConfiguration, (context) => {
      loadConfig({ ...CDK_JSON_CONTEXT, ...context });
    }),
    { seed: FUZZ_SEED, numRuns: REJECTION_RUNS },
  );
});
