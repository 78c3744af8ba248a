/**
 * One normalised snapshot per stage × option combination the README promises. A snapshot says only
 * that a template did not change; what each stage must and must not contain is asserted in the
 * stage tests. Asset hashes and versions are normalised (test/support/asset-hash-serializer.ts).
 */
import { templateOf } from '../support/synth-cache';
import { COMBINATIONS } from '../support/variants';

test.each(COMBINATIONS.map((c) => [c.name, c] as const))('%s', (_name, { stage, overrides }) => {
  expect(templateOf(stage, overrides)).toMatchSnapshot();
});
