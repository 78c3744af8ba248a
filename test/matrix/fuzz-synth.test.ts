/**
 * A seeded sample of the configurations the README allows, each synthesized with CloudFormation
 * validation, cdk-nag and the invariants on, as `cdk synth` would for a user who wrote it.
 */
import fc from 'fast-check';
import { checkCombination } from '../../lib/checks/matrix';
import { STAGES } from '../../lib/config';
import { FUZZ_SEED, SYNTHESIZED_RUNS, validConfiguration } from '../support/config-arbitraries';

test(`${SYNTHESIZED_RUNS} generated allowed configurations pass every invariant, validation and cdk-nag`, () => {
  fc.assert(
    fc.property(validConfiguration, fc.constantFrom(1, 2, 3), (context, stage) => {
      expect(checkCombination(stage as 1 | 2 | 3, { ...context, stages: STAGES[stage as 1 | 2 | 3].stackName })).toEqual({
        violations: {},
        findings: [],
      });
    }),
    { seed: FUZZ_SEED, numRuns: SYNTHESIZED_RUNS },
  );
});
