import { WEB_INSTANCE_SIZES } from '../../lib/config/instance-sizes';
import { interchangeableTypes } from '../../lib/config/interchangeable-types';

test.each([
  ['t3.small', ['t3.small', 't3a.small']],
  ['t4g.small', ['t4g.small']],
  ['m7g.large', ['m7g.large', 'm6g.large']],
  ['m6i.large', ['m6i.large', 'm5.large', 'm5a.large', 'm6a.large', 'm7i.large', 'm7a.large']],
  // m7a comes in medium; the other general-purpose x86 families do not.
  ['m7a.medium', ['m7a.medium']],
  ['c5.9xlarge', ['c5.9xlarge']],
])('%s runs as %j: the configured type first, then its class, architecture and size in other families', (type, expected) => {
  expect(interchangeableTypes(type)).toEqual(expected);
});

test('every type of every web family keeps its architecture (Graviton with Graviton, x86 with x86) and its size', () => {
  const graviton = (f: string) => /\dg/.test(f);
  const wrong = Object.entries(WEB_INSTANCE_SIZES).flatMap(([family, sizes]) =>
    sizes.flatMap((size) =>
      interchangeableTypes(`${family}.${size}`)
        .filter((other) => graviton(other.split('.')[0]) !== graviton(family) || other.split('.')[1] !== size)
        .map((other) => `${family}.${size} → ${other}`),
    ),
  );
  expect(wrong).toEqual([]);
});
