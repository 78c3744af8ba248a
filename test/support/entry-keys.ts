/**
 * The key of each entry of the template cache (./synth-cache.ts): the hash of every repository file
 * its build can read, so an entry is rebuilt exactly when one of them changes, and a change to one
 * construct rebuilds the entries whose builds import it and no others.
 *
 * What a build reads: the modules it runs — the import closure of its builder (./build-stages.ts for
 * a stage, ./build-fixtures.ts for a fixture module), every relative import followed, type-only
 * imports aside (lib/source-hash.ts) — the files those modules read at run time (RUNTIME_READS), and
 * what every build reads (EVERY_BUILD). Two modules are entered only for the build they serve:
 * lib/app.ts picks a stage class from every stage file, and a build of stage 3 runs only stage 3's
 * (a fixture's only stage 1's); ./fixtures.ts gathers every fixture module, and a fixture module's
 * build runs only its own. Such a module's top level only declares (./synth-cache.test.ts checks
 * it), so loading one it does not run changes nothing.
 *
 * No aws-cdk-lib here: the global setup computes the keys before anything is built.
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bundleInputs } from '../../lib/bundles';
import { importClosure, REPOSITORY, readSource, type SourceReader } from '../../lib/source-hash';

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}

/** What every build reads: the context, the packages (aws-cdk-lib, esbuild, the service's), the job loop that writes entries. */
export const EVERY_BUILD = ['cdk.json', 'package-lock.json', 'test/support/synth-builder.ts'];

/**
 * Files and directories a module reads at run time, beside the modules it imports, relative to the
 * repository. Every module of lib/ that names the repository (REPOSITORY) is listed, with what it
 * reads; ./synth-cache.test.ts finds them and fails for one left out.
 */
export const RUNTIME_READS: Readonly<Record<string, () => readonly string[]>> = {
  'lib/config/context.ts': () => ['cdk.json'],
  'lib/web-page.ts': () => ['web'],
  'lib/constructs/host-install.ts': () => ['service/host'],
  // The service and the Lambda, bundled by esbuild: every module their entries import, wherever it lives.
  'lib/bundles.ts': once(bundleInputs),
  // Answers of earlier validations, each under the hash of what decides it (the template's bytes, the packages).
  'lib/checks/validation-cache.ts': () => [],
  // The repository's package.json, for its name only: where the repository is.
  'lib/source-hash.ts': () => [],
  // The local check of the capacity model runs the tools (bin/cli.js); no build imports it.
  'lib/capacity/local-check.ts': () => ['bin'],
};

/** The stage files, by stage: lib/stages/stage<N>-<name>.ts. */
export function stageFiles(): Map<number, string> {
  return new Map(
    readdirSync(join(REPOSITORY, 'lib', 'stages'))
      .map((file) => [/^stage(\d+)-.+\.ts$/.exec(file), file] as const)
      .filter(([match]) => match)
      .map(([match, file]) => [Number(match![1]), `lib/stages/${file}`]),
  );
}

/** The fixture modules, by name: test/support/fixtures/<module>.ts, beside their shared helpers. */
export function fixtureModules(): Map<string, string> {
  return new Map(
    readdirSync(join(REPOSITORY, 'test', 'support', 'fixtures'))
      .filter((file) => file.endsWith('.ts') && file !== 'shared.ts')
      .map((file) => [file.slice(0, -3), `test/support/fixtures/${file}`]),
  );
}

const listed = new Map<string, string[]>();
const filesIn = (path: string): string[] => {
  if (!listed.has(path))
    listed.set(
      path,
      statSync(join(REPOSITORY, path)).isDirectory()
        ? readdirSync(join(REPOSITORY, path)).flatMap((entry) => filesIn(`${path}/${entry}`))
        : [path],
    );
  return listed.get(path)!;
};

/** Every file a build whose code is `closure` reads: the closure, what its modules read at run time, and what every build reads. */
function withReads(closure: readonly string[]): string[] {
  const reads = closure.flatMap((module) => RUNTIME_READS[module]?.() ?? []);
  return [...new Set([...closure, ...EVERY_BUILD, ...reads].flatMap(filesIn))].sort();
}

/** Every file the build of one stage reads: lib/app.ts's import of another stage file is not followed. */
export function stageSources(stage: number, read: SourceReader = readSource): string[] {
  const others = new Set([...stageFiles()].filter(([n]) => n !== stage).map(([, file]) => file));
  const follow = (from: string, to: string) => !(from === 'lib/app.ts' && others.has(to));
  return withReads(importClosure(['test/support/build-stages.ts'], { follow, read }));
}

/**
 * Every file the build of one fixture module reads: ./fixtures.ts's import of another fixture module
 * is not followed, nor lib/app.ts's of a stage other than 1, the only one a fixture's app builds
 * (./fixtures.ts refuses a fixture that asks for another).
 */
export function fixtureSources(module: string, read: SourceReader = readSource): string[] {
  const others = new Set([...fixtureModules()].filter(([name]) => name !== module).map(([, file]) => file));
  const otherStages = new Set([...stageFiles()].filter(([n]) => n !== 1).map(([, file]) => file));
  const follow = (from: string, to: string) =>
    !(from === 'test/support/fixtures.ts' && others.has(to)) && !(from === 'lib/app.ts' && otherStages.has(to));
  return withReads(importClosure(['test/support/build-fixtures.ts'], { follow, read }));
}

/** Each file's digest, by its text: many entries hash the same files. */
const digests = new Map<string, { readonly text: string; readonly digest: string }>();
function digestOf(file: string, read: SourceReader): string {
  const text = read(file);
  const known = digests.get(file);
  if (known?.text === text) return known.digest;
  const digest = createHash('sha256').update(text).digest('hex');
  digests.set(file, { text, digest });
  return digest;
}

/** The hash of files by their paths and contents, and of what else tells builds apart. */
export function hashOf(files: readonly string[], extra: string, read: SourceReader = readSource): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${file}\0${digestOf(file, read)}\0`);
  return hash.update(extra).digest('hex').slice(0, 24);
}

/** A reader that reads each file once: the global setup hashes the same files for many entries. */
export function readingOnce(read: SourceReader = readSource): SourceReader {
  const seen = new Map<string, string>();
  return (path) => {
    if (!seen.has(path)) seen.set(path, read(path));
    return seen.get(path)!;
  };
}
