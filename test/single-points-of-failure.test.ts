/**
 * What each stage still risks, named with the resource that causes it: stage 3 removes the single
 * web server, and the single-zone database it keeps is said, not hidden (later stages remove it).
 */
import { StageNumber } from '../lib/config';
import { Overrides, templateOf } from './support/app';
import { remainingSinglePointsOfFailure } from './support/invariants';

const spofs = (stage: StageNumber, overrides: Overrides = {}) =>
  remainingSinglePointsOfFailure({ stage, config: undefined as never, template: templateOf(stage, overrides).toJSON() as any });

test('stage 1: the one instance is the web server, the database and the cache', () => {
  expect(spofs(1)).toEqual(['web server ServerInstanceE518391B is a single instance']);
});

test('stage 2: one web server and, with RDS, a database in one zone', () => {
  expect(spofs(2, { dataStore: 'rds' })).toEqual([
    'database RelationalDataDatabase5BB21CFE is in one zone',
    expect.stringMatching(/^web server ServerInstanceE518391B[0-9a-f]+ is a single instance$/),
  ]);
  expect(spofs(2, { dataStore: 'dynamodb' })).toEqual([expect.stringMatching(/^web server .* is a single instance$/)]);
});

test('stage 3: no single web server; the single-zone RDS database is what remains', () => {
  expect(spofs(3, { dataStore: 'rds' })).toEqual(['database RelationalDataDatabase5BB21CFE is in one zone']);
  expect(spofs(3, { dataStore: 'dynamodb' })).toEqual([]);
});

test('stage 3 with fewer NAT gateways than zones names the egress dependency', () => {
  expect(spofs(3, { dataStore: 'dynamodb', natGateways: '1' })).toEqual(['egress of 2 zones depends on 1 NAT gateway']);
});
