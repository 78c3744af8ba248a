/** `loadConfig` fuzzed ten times as long as in `npm test` (test/config/load.fuzz.test.ts), with the same properties. */
import fc from 'fast-check';
import { ConfigError, loadConfig } from '../../lib/config';
import { cdkJsonContext } from '../../lib/config/context';
import { FUZZ_SEED, invalidConfiguration, MATRIX_REJECTION_RUNS, validConfiguration } from '../support/config-arbitraries';

const CDK_JSON_CONTEXT = cdkJsonContext();
const keysOf = (problem: string) => problem.slice(0, problem.indexOf(': ')).split(', ');

test(`${MATRIX_REJECTION_RUNS} bad configurations are rejected, naming every bad key; as many allowed ones are accepted`, () => {
  fc.assert(
    fc.property(invalidConfiguration, ({ context, badKeys }) => {
      try {
        loadConfig({ ...CDK_JSON_CONTEXT, ...context });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        const named = new Set(error.problems.flatMap(keysOf));
        return badKeys.every((k) => named.has(k)) && error.problems.every((p) => keysOf(p).some((k) => k in context));
      }
      return false;
    }),
    { seed: FUZZ_SEED + 1, numRuns: MATRIX_REJECTION_RUNS },
  );
  fc.assert(
    fc.property(validConfiguration, (context) => {
      loadConfig({ ...CDK_JSON_CONTEXT, ...context });
    }),
    { seed: FUZZ_SEED + 1, numRuns: MATRIX_REJECTION_RUNS },
  );
});
