import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The repository root: lib/.. */
export const REPOSITORY = join(__dirname, '..');

function files(path: string): string[] {
  return statSync(path).isDirectory()
    ? readdirSync(path)
        .map((entry) => join(path, entry))
        .flatMap(files)
    : [path];
}

/**
 * A hash of source files by their path inside the repository and their content: the same in every
 * clone, whatever directory it is in, and changed only by the sources themselves. Used to name the
 * bundles the stacks deploy, so templates do not change with unrelated files or checkouts.
 */
export function hashOfSources(paths: string[], extra = ''): string {
  const hash = createHash('sha256');
  for (const file of paths.flatMap((p) => files(join(REPOSITORY, p))).sort()) {
    hash.update(relative(REPOSITORY, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.update(extra).digest('hex');
}
