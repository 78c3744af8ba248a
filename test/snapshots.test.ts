/**
 * One normalised snapshot per stage × option combination the README promises. A snapshot says only
 * that a template did not change; what each stage must and must not contain is asserted in the
 * stage tests. Asset hashes and the CDK version are normalised (test/support/asset-hash-serializer.ts).
 */
import { COMBINATIONS, templateOf } from './support/app';

test.each(COMBINATIONS.map((c) => [c.name, c] as const))('%s', (_name, { stage, overrides }) => {
  expect(templateOf(stage, overrides).toJSON()).toMatchSnapshot();
});
