/**
 * `loadConfig` fuzzed with the properties and seed of `npm test` (test/config/load.fuzz.test.ts),
 * on 10,000 cases each: fast-check draws the same first cases from a seed, so npm test's are among them.
 */
import fc from 'fast-check';
import { everyAllowedAccepted, everyBadKeyNamed, FUZZ_SEED, MATRIX_REJECTION_RUNS } from '../support/config-arbitraries';

test(`${MATRIX_REJECTION_RUNS} bad configurations are rejected, naming every bad key and no other`, () => {
  fc.assert(everyBadKeyNamed, { seed: FUZZ_SEED, numRuns: MATRIX_REJECTION_RUNS });
});

test(`${MATRIX_REJECTION_RUNS} allowed configurations are all accepted`, () => {
  fc.assert(everyAllowedAccepted, { seed: FUZZ_SEED, numRuns: MATRIX_REJECTION_RUNS });
});
