/**
 * The documentation holds together: every relative link in README.md and docs/ points at a file of
 * the repository that exists, and a `#fragment` at a heading (or anchor) the target page has.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { headingAnchors, markdownLinks } from '../../lib/markdown';
import { PAGES, ROOT } from './pages';

const anchorsOf = new Map<string, Set<string>>();
const anchors = (page: string) => {
  if (!anchorsOf.has(page)) anchorsOf.set(page, headingAnchors(readFileSync(page, 'utf8')));
  return anchorsOf.get(page)!;
};

/** What is wrong with a link of `page`, or undefined when it resolves. */
function brokenLink(page: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto: — not a file of the repository
  const [path, fragment] = target.split('#', 2);
  const file = path === '' ? page : resolve(dirname(page), decodeURIComponent(path));
  if (relative(ROOT, file).startsWith('..')) return `${target} leaves the repository`;
  if (!existsSync(file)) return `${target}: no such file`;
  if (fragment === undefined) return undefined;
  if (!file.endsWith('.md')) return `${target}: a fragment on a file that is not Markdown`;
  return anchors(file).has(fragment) ? undefined : `${target}: ${relative(ROOT, file)} has no heading or anchor "${fragment}"`;
}

test('the pages are README.md and every Markdown file under docs/', () => {
  expect(PAGES.map((p) => relative(ROOT, p))).toEqual(expect.arrayContaining(['README.md', 'docs/stages.md', 'docs/configuration.md']));
});

test.each(PAGES.map((p) => [relative(ROOT, p), p]))('every relative link in %s resolves to a file and anchor', (_name, page) => {
  const broken = markdownLinks(readFileSync(page, 'utf8'))
    .map(({ target, line }) => [line, brokenLink(page, target)] as const)
    .filter(([, problem]) => problem !== undefined)
    .map(([line, problem]) => `line ${line}: ${problem}`);
  expect(broken).toEqual([]);
});

test('a link to a missing file, a missing anchor or outside the repository is reported', () => {
  const readme = join(ROOT, 'README.md');
  expect(brokenLink(readme, 'docs/no-such-page.md')).toMatch(/no such file/);
  expect(brokenLink(readme, 'docs/configuration.md#no-such-heading')).toMatch(/has no heading or anchor "no-such-heading"/);
  expect(brokenLink(readme, '../elsewhere.md')).toMatch(/leaves the repository/);
  expect(brokenLink(readme, 'docs/configuration.md#every-key')).toBeUndefined();
  expect(brokenLink(readme, 'https://docs.aws.amazon.com/')).toBeUndefined();
});
