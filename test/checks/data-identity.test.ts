/**
 * Data-loss guard: a code change that would make CloudFormation replace a database, a table or
 * stage 1's instance (and so start it empty) fails here. `npm run test:matrix` also checks that no
 * configuration change a user makes on a live stack replaces one (test/matrix/live-changes.test.ts).
 *
 * test/checks/data-resources.json pins the identity of every data resource. If a replacement is
 * really intended, plan the data migration, then update that file in the same commit and say why.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataIdentity } from '../../lib/checks/data-identity';
import { templateOf } from '../support/synth-cache';
import { DATA_STAGES, SINGLE_SERVER_ALTERED } from '../support/variants';

const PINNED: Record<string, Record<string, unknown>> = JSON.parse(readFileSync(join(__dirname, 'data-resources.json'), 'utf8'));

test.each(DATA_STAGES.map((s) => [s.name, s] as const))(
  '%s: the code does not replace its data resources',
  (name, { stage, overrides }) => {
    expect(dataIdentity(templateOf(stage, overrides), stage === 1)).toEqual(PINNED[name]);
  },
);

test('every stage that holds data is pinned, and nothing else is', () => {
  expect(Object.keys(PINNED).sort()).toEqual(DATA_STAGES.map((s) => s.name).sort());
});

test('moving stage 1 between x86 and Graviton replaces its instance, and the pin says so', () => {
  // An x86 root volume cannot boot on Graviton: a new image, so a new instance. The README says to
  // dump the database first; this keeps the fact visible.
  expect(dataIdentity(templateOf(1, SINGLE_SERVER_ALTERED), true)).not.toEqual(dataIdentity(templateOf(1), true));
});
