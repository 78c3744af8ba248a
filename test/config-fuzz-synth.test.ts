/**
 * Property-based test of accepted configurations: a seeded sample of the configurations the README
 * allows synthesizes stacks that satisfy every invariant, CloudFormation validation and cdk-nag.
 * (A file of its own, so jest's two workers share the fuzzing.)
 */
import fc from 'fast-check';
import { STAGES } from '../lib/config';
import { ACCEPTANCE_RUNS, FUZZ_SEED, validConfiguration } from './support/config-arbitraries';
import { INVARIANTS } from './support/invariants';
import { synthChecked } from './support/matrix';

test(`${ACCEPTANCE_RUNS} generated allowed configurations synthesize stacks that satisfy all ${INVARIANTS.length} invariants, validation and cdk-nag`, () => {
  fc.assert(
    fc.property(validConfiguration, fc.constantFrom(1, 2, 3), (context, stage) => {
      const subject = synthChecked(stage as 1 | 2 | 3, { ...context, stages: STAGES[stage as 1 | 2 | 3].stackName });
      const violations = Object.fromEntries(INVARIANTS.map((i) => [i.name, i.check(subject)]).filter(([, found]) => found.length > 0));
      expect({ violations, findings: subject.findings }).toEqual({ violations: {}, findings: [] });
    }),
    { seed: FUZZ_SEED, numRuns: ACCEPTANCE_RUNS },
  );
});
