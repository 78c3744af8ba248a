import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_KEYS } from '../../lib/config';
import { withConfigTable } from '../../lib/config/docs';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

test('the configuration table in the README is the one the schema generates (run `npm run docs`)', () => {
  expect(withConfigTable(readme)).toBe(readme);
});

test('the table lists every key with its default and allowed values', () => {
  for (const key of CONFIG_KEYS) expect(readme).toMatch(new RegExp(`^\\| \`${key}\``, 'm'));
});

test('the README shows the two commands a fresh clone must pass', () => {
  expect(readme).toContain('npm ci && npx cdk synth');
  expect(readme).toContain('npm test');
});
