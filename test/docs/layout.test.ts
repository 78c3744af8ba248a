/**
 * docs/layout.md says where everything is. It stays true: every file and folder directly inside the
 * folders it covers has a line, and every line names a path that exists (a folder with a trailing /).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './pages';

const layout = readFileSync(join(ROOT, 'docs', 'layout.md'), 'utf8');

/** The folders whose every entry the layout lists. */
const COVERED = [
  'bin',
  'scripts',
  'lib',
  ...readdirSync(join(ROOT, 'lib'))
    .filter((e) => statSync(join(ROOT, 'lib', e)).isDirectory())
    .map((e) => `lib/${e}`),
  'service',
  'service/src',
  'service/host',
  'service/fastify',
  'lambda',
  'lambda/shared',
  'lambda/verify-deployment',
  'web',
  'test',
  // The tests' own machinery, which a reader of a test meets first: the cache, the builders, the fixtures, the matrix.
  'test/support',
  'test/support/fixtures',
  'test/matrix',
  'docs',
];

/** The paths the layout lists: the code span that opens each of its list items. */
const listed = new Set([...layout.matchAll(/^- `([^`]+)`/gm)].map(([, path]) => path));
const entry = (dir: string, name: string) => `${dir}/${name}${statSync(join(ROOT, dir, name)).isDirectory() ? '/' : ''}`;

test.each(COVERED)('docs/layout.md lists every file and folder directly inside %s/', (dir) => {
  expect(listed).toContain(`${dir}/`);
  const missing = readdirSync(join(ROOT, dir))
    .map((name) => entry(dir, name))
    .filter((path) => !listed.has(path));
  expect(missing).toEqual([]);
});

test('every path docs/layout.md lists exists, as a folder when it ends with /', () => {
  const wrong = [...listed].filter((path) => {
    const full = join(ROOT, path);
    return !existsSync(full) || statSync(full).isDirectory() !== path.endsWith('/');
  });
  expect(wrong).toEqual([]);
});

test('the layout lists paths, one per line (the test reads the code span that opens each item)', () => {
  expect(listed.size).toBeGreaterThan(100);
  expect(listed).toContain('lib/constructs/web-tier.ts');
});
