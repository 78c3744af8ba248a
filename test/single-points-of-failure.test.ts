/**
 * What each stage still risks, named with the resource that causes it (lib/compare/analyse.ts):
 * stage 3 removes the single web server, and the single-zone database it keeps is said, not hidden
 * (later stages remove it).
 */
import { StageNumber } from '../lib/config';
import { singlePointsOfFailure } from '../lib/compare/analyse';
import { CfnTemplate } from '../lib/compare/template';
import { Overrides, templateOf } from './support/app';

const spofs = (stage: StageNumber, overrides: Overrides = {}) => singlePointsOfFailure(templateOf(stage, overrides).toJSON() as CfnTemplate).map((s) => `${s.what}: ${s.resource}`);

test('stage 1: the one instance is the web server, the database and the cache, behind one address', () => {
  expect(spofs(1)).toEqual(['single server: the web app, PostgreSQL and Redis fail together: ServerInstanceE518391B', 'record points at one IP address: ApiRecordEF2C714A']);
});

test('stage 2: one web server and, with RDS, a database in one zone', () => {
  expect(spofs(2, { dataStore: 'rds' })).toEqual([
    expect.stringMatching(/^single web server: one instance serves every request: ServerInstanceE518391B[0-9a-f]+$/),
    'database in one zone: RelationalDataDatabase5BB21CFE',
    'record points at one IP address: ApiRecordEF2C714A',
  ]);
  expect(spofs(2, { dataStore: 'dynamodb' })).toEqual([expect.stringMatching(/^single web server: /), 'record points at one IP address: ApiRecordEF2C714A']);
});

test('stage 3: no single web server; the single-zone RDS database is what remains', () => {
  expect(spofs(3, { dataStore: 'rds' })).toEqual(['database in one zone: RelationalDataDatabase5BB21CFE']);
  expect(spofs(3, { dataStore: 'dynamodb' })).toEqual([]);
});

test('stage 3 with fewer NAT gateways than zones names the egress dependency', () => {
  expect(spofs(3, { dataStore: 'dynamodb', natGateways: '1' })).toEqual(['egress of 2 zones through 1 NAT gateway: NetworkVpcPublicSubnet1NATGateway64781A21']);
});
