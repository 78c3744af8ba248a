/**
 * Every stage × option combination (lib/checks/matrix.ts), each synthesized with CloudFormation
 * validation, cdk-nag and the invariants on: no invariant violated, no finding unacknowledged.
 * Jest gives each file its own module registry, so the validator compiles once per file: the matrix
 * is split into two files, one per worker (option-matrix-1/2.test.ts).
 */
import { checkCombination, MATRIX } from '../../lib/checks/matrix';

/** Checks every `of`-th combination, starting with the `shard`-th. */
export function checkShard(shard: number, of: number): void {
  const combinations = MATRIX.filter((_, i) => i % of === shard - 1);
  test.each(combinations.map((c) => [c.name, c] as const))('%s', (_name, { stage, overrides }) => {
    expect(checkCombination(stage, overrides)).toEqual({ violations: {}, findings: [] });
  });
}
