import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_KEYS } from '../../lib/config';
import { CONFIG_TABLE_PAGE, withConfigTable } from '../../lib/config/docs';

const root = join(__dirname, '..', '..');
const page = readFileSync(join(root, CONFIG_TABLE_PAGE), 'utf8');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

test('the configuration table in docs/configuration.md is the one the schema generates (run `npm run docs`)', () => {
  expect(withConfigTable(page)).toBe(page);
});

test('the table lists every key with its default and allowed values', () => {
  for (const key of CONFIG_KEYS) expect(page).toMatch(new RegExp(`^\\| \`${key}\``, 'm'));
});

test('a page without the markers is refused, naming them', () => {
  expect(() => withConfigTable('# no table here')).toThrow(/docs\/configuration.md has no configuration table markers/);
});

test('the README shows the two commands a fresh clone must pass, and links the configuration', () => {
  expect(readme).toContain('npm ci && npx cdk synth');
  expect(readme).toContain('npm test');
  expect(readme).toContain('(docs/configuration.md)');
});
