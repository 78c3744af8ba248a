/**
 * Instance types a Spot web tier can run on interchangeably: the configured type and the types of
 * the same class (burstable, general purpose, compute, memory), processor architecture and size in
 * the other families the web tier allows. More types are more Spot capacity pools, so an
 * interruption in one pool does not leave the tier short. No CDK here: the config and tests read it.
 */
import { WEB_INSTANCE_SIZES } from './instance-sizes';

/** Families by class and architecture, newest last. */
const CLASSES: readonly (readonly string[])[] = [
  ['t3', 't3a'],
  ['t4g'],
  ['m5', 'm5a', 'm6i', 'm6a', 'm7i', 'm7a'],
  ['m6g', 'm7g'],
  ['c5', 'c5a', 'c6i', 'c6a', 'c7i', 'c7a'],
  ['c6g', 'c7g'],
  ['r5', 'r5a', 'r6i', 'r6a', 'r7i', 'r7a'],
  ['r6g', 'r7g'],
];

/** The configured type first, then its siblings that come in the same size. */
export function interchangeableTypes(instanceType: string): string[] {
  const [family, size] = instanceType.split('.');
  const siblings = CLASSES.find((c) => c.includes(family)) ?? [family];
  return [instanceType, ...siblings.filter((f) => f !== family && (WEB_INSTANCE_SIZES[f] ?? []).includes(size)).map((f) => `${f}.${size}`)];
}
