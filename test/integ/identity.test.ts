/** The identity a deploy test deploys under (lib/integ/identity.ts): its own names, weight 0, nothing protected. */
import { ConfigError, loadConfig } from '../../lib/config';
import { cdkJsonContext } from '../../lib/config/context';
import { integContext, integIdentity } from '../../lib/integ/identity';

test('a new id is six lower-case letters and digits, a letter first, and differs between runs', () => {
  const ids = Array.from({ length: 200 }, () => integIdentity().id);
  for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9]{5}$/);
  expect(new Set(ids).size).toBeGreaterThan(195);
});

test('an id given back (--destroy) names the same stacks and record; a malformed one is refused, naming it', () => {
  expect(integIdentity('k3x9qa')).toEqual({ id: 'k3x9qa', stageName: 'Integ-k3x9qa', recordName: 'integ-k3x9qa' });
  expect(() => integIdentity('K3X9QA')).toThrow('integ id: got "K3X9QA"; allowed: six lower-case letters and digits, a letter first');
  expect(() => integIdentity('3x9qab')).toThrow(/allowed/);
});

test('the context: the user configuration, with the record, weight 0, no deletion protection and only the stage under test', () => {
  const base = { ...cdkJsonContext(), weight: { 5: 100 }, deletionProtection: true, recordName: 'api', stages: [1, 2, 3] };
  const config = loadConfig(integContext(integIdentity('k3x9qa'), 5, base, { priceClass: 'All' }));
  expect(config.recordName).toBe('integ-k3x9qa');
  expect(config.weight['5']).toBe(0);
  expect(config.deletionProtection).toBe(false);
  expect(config.stages).toEqual([5]);
  expect(config.priceClass).toBe('All');
  expect(loadConfig(integContext(integIdentity('k3x9qa'), 5, base, { wafRateLimit: '500' })).wafRateLimit).toBe(500);
});

test('a key the identity sets, given with -c, is refused by name: the test would not be isolated', () => {
  const attempt = () => integContext(integIdentity('k3x9qa'), 3, cdkJsonContext(), { weight: '100', recordName: 'api' });
  expect(attempt).toThrow(ConfigError);
  expect(attempt).toThrow('recordName: got "api"; allowed: nothing: a deploy test sets recordName itself ("integ-k3x9qa")');
  expect(attempt).toThrow('weight: got "100"; allowed: nothing: a deploy test sets weight itself (0)');
});
