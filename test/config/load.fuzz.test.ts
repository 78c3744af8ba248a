/**
 * Property-based tests of `loadConfig`, seeded and reproducible: every configuration the README
 * rejects is rejected with a message naming each bad key and no key the user did not write; every
 * one it allows is accepted. `npm run test:matrix` checks the same properties on 10,000 cases each
 * (these first), and synthesizes a sample of the allowed ones through every check.
 *
 * FUZZ_RUNS and FUZZ_SEED override the number of cases and the seed (for example to reproduce a
 * failure fast-check reports).
 */
import fc from 'fast-check';
import { everyAllowedAccepted, everyBadKeyNamed, FUZZ_SEED, REJECTION_RUNS } from '../support/config-arbitraries';

test(`${REJECTION_RUNS} generated bad configurations: each is rejected, naming every bad key and no other`, () => {
  fc.assert(everyBadKeyNamed, { seed: FUZZ_SEED, numRuns: REJECTION_RUNS });
});

test(`${REJECTION_RUNS} generated allowed configurations are all accepted`, () => {
  fc.assert(everyAllowedAccepted, { seed: FUZZ_SEED, numRuns: REJECTION_RUNS });
});
