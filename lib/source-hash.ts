import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * The repository root: the nearest directory above this module with the project's package.json.
 * Found rather than assumed (lib/..), so the same code works from lib/ and from the one-file build
 * of the app that `cdk synth` runs (bin/app.js).
 */
export const REPOSITORY = (() => {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'zero-to-millions') return dir;
    if (dirname(dir) === dir) throw new Error(`no zero-to-millions package.json above ${__dirname}`);
  }
})();

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
