/**
 * The template cache must never serve a stale template: its key hashes every source a template is
 * built from. This finds those sources in lib/ itself (what it imports from outside lib/, and the
 * directories it reads at synth time from the repository root) and requires each to be hashed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPOSITORY } from '../../lib/source-hash';
import { TEMPLATE_SOURCES } from './synth-cache';

const files = (path: string): string[] =>
  statSync(path).isDirectory() ? readdirSync(path).flatMap((entry) => files(join(path, entry))) : path.endsWith('.ts') ? [path] : [];

test('the cache key hashes every directory outside lib/ that lib/ imports or reads', () => {
  const used = new Set<string>();
  for (const file of files(join(REPOSITORY, 'lib'))) {
    const text = readFileSync(file, 'utf8');
    for (const [, target] of text.matchAll(/from '(\.{1,2}\/[^']+)'/g))
      used.add(relative(REPOSITORY, resolve(dirname(file), target)).split('/')[0]);
    for (const [, directory] of text.matchAll(/join\(REPOSITORY, '([^'/]+)'/g)) used.add(directory);
  }
  expect([...used].filter((source) => !TEMPLATE_SOURCES.includes(source))).toEqual([]);
  // The scan finds what it must: lib/ reads the page and the host files, and imports the Lambda's code.
  expect([...used].sort()).toEqual(expect.arrayContaining(['lambda', 'lib', 'service', 'web']));
});
