/** Which drills apply to a stage, and their order (lib/integ/drills/index.ts). */
import type { StageNumber } from '../../../lib/config/stages';
import { drillsFor } from '../../../lib/integ/drills';
import { stageAt } from './stand-in';

const names = (stage: StageNumber, overrides: Record<string, unknown> = {}) =>
  drillsFor(stageAt('https://integ.example.com/', stage, overrides)).map((d) => d.name);

test.each([
  [3, {}, []],
  [4, { dataStore: 'rds' }, ['failover']],
  [4, { dataStore: 'dynamodb' }, []],
  [5, { dataStore: 'rds' }, ['data-cache', 'failover', 'rate-limit']],
  [6, { dataStore: 'rds' }, ['data-cache', 'failover', 'session-survives', 'rate-limit']],
  [6, { dataStore: 'dynamodb', wafMode: 'count' }, ['data-cache', 'session-survives']],
] as const)('GIVEN stage %i with %j THEN the drills are %j, in their order', (stage, overrides, expected) => {
  expect(names(stage, overrides)).toEqual(expected);
});
