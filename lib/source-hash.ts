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

/** Reads a repository file, by its path inside the repository. */
export type SourceReader = (path: string) => string;
export const readSource: SourceReader = (path) => readFileSync(join(REPOSITORY, path), 'utf8');

/**
 * Static imports and exports (`import … from`, `export … from`, `import '…'`), `require('…')` and
 * `import('…')` with a literal specifier. `import type` and `export type` are left out: the compilers
 * drop them, so they load nothing. A named import that only names types (`import { type A }`) is
 * kept, which can only make a closure larger, never smaller.
 */
const SPECIFIERS =
  /\b(?:import|export)\s+(type\s+)?(?:[\w*\s{},$]*?\bfrom\s+)?['"]([^'"\n]+)['"]|\brequire\(\s*['"]([^'"\n]+)['"]\s*\)|\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g;

/** The repository files a relative specifier can name, in the order Node's and esbuild's resolution try them. */
const CANDIDATES = ['', '.ts', '.js', '.json', '/index.ts', '/index.js'];

/** Resolved specifiers, by the module that names them: resolving touches the file system. */
const resolved = new Map<string, string>();
/** What each module imports, by its text: a closure is taken many times over the same files. */
const parsed = new Map<string, { readonly text: string; readonly imports: readonly string[] }>();

function resolve(path: string, specifier: string): string {
  const key = `${path}\0${specifier}`;
  if (!resolved.has(key)) {
    const base = relative(REPOSITORY, join(REPOSITORY, dirname(path), specifier));
    const file = CANDIDATES.map((suffix) => `${base}${suffix}`).find((candidate) => {
      const full = join(REPOSITORY, candidate);
      return existsSync(full) && statSync(full).isFile();
    });
    if (!file) throw new Error(`${path} imports ${specifier}, which is no file in the repository`);
    resolved.set(key, file);
  }
  return resolved.get(key)!;
}

/**
 * The repository files a module imports at run time, directly: the relative specifiers it names
 * (packages are the lockfile's business), resolved. A specifier that resolves to no file is an
 * error, so a closure never silently leaves a module out.
 */
export function relativeImports(path: string, read: SourceReader = readSource): readonly string[] {
  const text = read(path);
  const known = parsed.get(path);
  if (known?.text === text) return known.imports;
  const found = new Set<string>();
  for (const [, typeOnly, ...specifiers] of text.matchAll(SPECIFIERS)) {
    const specifier = specifiers.find((s) => s !== undefined)!;
    if (!typeOnly && specifier.startsWith('.')) found.add(resolve(path, specifier));
  }
  const imports = [...found].sort();
  parsed.set(path, { text, imports });
  return imports;
}

/**
 * Every repository file that can run when the `roots` load: the roots and, transitively, every
 * relative module they import at run time. `follow` can leave out an import (and what only it
 * brings): one a module makes only to pick from, when the caller knows what is picked.
 */
export function importClosure(
  roots: readonly string[],
  options: { readonly follow?: (from: string, to: string) => boolean; readonly read?: SourceReader } = {},
): string[] {
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    if (!/\.[cm]?[jt]s$/.test(path)) return;
    for (const next of relativeImports(path, options.read)) if (options.follow?.(path, next) ?? true) visit(next);
  };
  for (const root of roots) visit(root);
  return [...seen].sort();
}
