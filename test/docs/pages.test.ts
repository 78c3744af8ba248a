/**
 * The README is the front door: short enough to read in one sitting, with depth in docs/; and every
 * page keeps its prose lines readable (tables, whose rows the formatter pads, excepted).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EXCERPT_END, EXCERPT_START } from '../../lib/compare/render';
import { STAGE_NUMBERS, STAGES, type StageNumber } from '../../lib/config/stages';
import { PAGES, ROOT } from './pages';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

test('README.md is at most 300 lines', () => {
  expect(readme.trimEnd().split('\n').length).toBeLessThanOrEqual(300);
});

// docs/stages.md is written by `npm run compare -- --write` (lib/compare/render.ts), not by hand.
const HAND_WRITTEN = PAGES.filter((p) => relative(ROOT, p) !== 'docs/stages.md');

test.each(HAND_WRITTEN.map((p) => [relative(ROOT, p), p]))('%s has no line over 200 characters outside tables', (_name, page) => {
  const long = readFileSync(page, 'utf8')
    .split('\n')
    .map((line, i) => ({ line: i + 1, length: [...line].length, table: line.trimStart().startsWith('|') }))
    .filter((l) => !l.table && l.length > 200);
  expect(long).toEqual([]);
});

/** docs/stages/<n>-<the stack name after "Stage<n>-", in kebab case>.md: `Stage3-LoadBalanced` is 3-load-balanced.md. */
const stagePage = (n: StageNumber) =>
  `${n}-${STAGES[n].stackName
    .replace(/^Stage\d+-/, '')
    .replace(/(?<=[a-z])(?=[A-Z])/g, '-')
    .toLowerCase()}.md`;

test('there is a page for each stage and no other, and the README links each of them', () => {
  const expected = STAGE_NUMBERS.map(stagePage);
  expect(expected).toContain('3-load-balanced.md');
  expect(readdirSync(join(ROOT, 'docs', 'stages')).sort()).toEqual([...expected].sort());
  for (const page of expected) expect(readme).toContain(`(docs/stages/${page})`);
});

test("the deploy walk quotes the monthly cost compare's excerpt gives its stage (run `npx zero-to-millions compare --write`)", () => {
  const excerpt = readme.slice(readme.indexOf(EXCERPT_START), readme.indexOf(EXCERPT_END)).split('\n');
  const cells = (row: string) => row.split('|').map((c) => c.trim());
  const header = cells(excerpt.find((row) => row.includes('Stage3-LoadBalanced'))!);
  const cost = cells(excerpt.find((row) => row.includes('est. monthly cost'))!)[header.indexOf('Stage3-LoadBalanced')];
  expect(cost).toMatch(/^\$\d+\.\d\d$/);
  expect(readme).toContain(`about **${cost} a month**`);
});
