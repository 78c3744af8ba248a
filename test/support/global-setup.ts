/**
 * Works out which cache entries this run reads (every stage variant of ./variants.ts, every fixture
 * module of ./fixtures/) and the key of each (./entry-keys.ts), writes the manifest test files find
 * them by, and starts building the ones the cache does not hold yet in one builder process, or two
 * for a long queue (./synth-builder.ts), each loading aws-cdk-lib once, and returns at once: test
 * files that need no template run meanwhile, and a test file that reads one waits for it
 * (./synth-cache.ts). Two builders take jobs from one queue, so neither idles while the other has
 * work; the costliest job, the control cases (one compiles CloudFormation validation unless its
 * answer is cached), is queued first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StageNumber } from '../../lib/config';
import { announceNodeVersion } from '../../lib/node-version';
import { REPOSITORY } from '../../lib/source-hash';
import { SYNTH_NODE_OPTIONS } from '../../lib/synth-node-options';
import type { StagesJob } from './build-stages';
import { CACHE_ROOT, DONE, ENTRIES, RUN } from './cache-layout';
import { fixtureModules, fixtureSources, hashOf, readingOnce, stageSources } from './entry-keys';
import type { BuildJob } from './synth-builder';
import { configId, configKey, MANIFEST_VARIABLE, type Manifest, variantId } from './synth-cache';
import { VARIANTS } from './variants';

/** Templates and fixture modules: more than a change to one construct of six stages rebuilds, less than a fresh clone's 68. */
const LONG_QUEUE = 40;

/**
 * How many builders a queue gets: a second one only for a long queue (a fresh clone's, or after a
 * change to what every stage imports). Each builder loads aws-cdk-lib and warms V8 up on its own,
 * which on two cores costs more than the second core gives for the few entries a change to one
 * construct rebuilds: after a change to lib/constructs/static-page.ts (22 templates and a fixture
 * module), 4.5-5.5 builder CPU-s with one against 7.4-7.8 with two, 10.3-12.6 s wall against
 * 12.2-13.0 (`ZTM_BUILDER_TIMES=<file> npx jest` after appending a statement to it, two runs each,
 * same period, Node 20, load 3). With four stand-in stages the same change rebuilds 45
 * templates, and two builders are as fast as one (13.3-14.9 s wall against 13.5-15.4).
 */
const builderCount = (jobs: readonly BuildJob[]) =>
  jobs.reduce((n, job) => n + (job.kind === 'stages' ? Object.keys(job.entries).length : 1), 0) > LONG_QUEUE ? 2 : 1;

/** The builders, for the global teardown to wait for. */
export const BUILDERS_KEY = Symbol.for('zero-to-millions:test-builders');

/**
 * The builders' temporary directory, in this run's: a builder the teardown stops mid-synth leaves its
 * synth output there, never in the system's, and the teardown (or the next run) removes it. The
 * bundles (lib/bundles.ts) stay in the system's, built once for every process.
 */
export const BUILDERS_TMPDIR = join(RUN, 'tmp');

function startBuilder(builder: string, queue: string, failed: string): ChildProcess {
  return spawn(process.execPath, [...SYNTH_NODE_OPTIONS, builder, queue, failed], {
    cwd: REPOSITORY,
    stdio: 'ignore',
    env: { ...process.env, TMPDIR: BUILDERS_TMPDIR },
  });
}

/** The entries this run reads, where each is, and the jobs that build those the cache lacks. Reads only: no file is touched. */
export function plan(read = readingOnce()): { manifest: Manifest; jobs: BuildJob[] } {
  const manifest: Manifest = { variants: {}, configs: {}, fixtures: {}, failed: join(RUN, 'failed') };
  const stageHashes = new Map<StageNumber, string>();
  const byConfig = new Map<string, StagesJob>();
  for (const { stage, overrides } of VARIANTS) {
    if (!stageHashes.has(stage)) stageHashes.set(stage, hashOf(stageSources(stage, read), `stage ${stage}`, read));
    const config = configKey(stage, overrides);
    const key = createHash('sha256')
      .update(`${stageHashes.get(stage)}\0${config}`)
      .digest('hex')
      .slice(0, 24);
    const path = join(ENTRIES, `stage${stage}-${key}.json`);
    manifest.variants[variantId(stage, overrides)] = path;
    manifest.configs[configId(stage, overrides)] = path;
    if (existsSync(path)) continue;
    if (!byConfig.has(config)) byConfig.set(config, { kind: 'stages', overrides: { ...overrides }, entries: {} });
    byConfig.get(config)!.entries[stage] = path;
  }
  const fixtureJobs: BuildJob[] = [];
  for (const module of fixtureModules().keys()) {
    const directory = join(ENTRIES, `fixtures-${module}-${hashOf(fixtureSources(module, read), `fixtures ${module}`, read)}`);
    manifest.fixtures[module] = directory;
    if (existsSync(join(directory, DONE))) continue;
    fixtureJobs.push({ kind: 'fixtures', module, directory });
  }
  // The control cases first (CloudFormation validation), then the stages, then the constructs' fixtures.
  const control = fixtureJobs.filter((job) => job.kind === 'fixtures' && job.module === 'control');
  return { manifest, jobs: [...control, ...byConfig.values(), ...fixtureJobs.filter((job) => !control.includes(job))] };
}

/**
 * Keeps the entries this run reads, marked as just used, and as many others again, the most
 * recently used: a change undone finds its entries still there. The rest go, so the cache holds
 * about two states of the sources.
 */
function pruneEntries(wanted: ReadonlySet<string>): void {
  mkdirSync(ENTRIES, { recursive: true });
  // Anything else in the cache is from an older layout of it.
  for (const entry of readdirSync(CACHE_ROOT))
    if (![ENTRIES, RUN].includes(join(CACHE_ROOT, entry))) rmSync(join(CACHE_ROOT, entry), { recursive: true, force: true });
  const now = new Date();
  const others: { entry: string; used: number }[] = [];
  for (const entry of readdirSync(ENTRIES)) {
    const path = join(ENTRIES, entry);
    if (wanted.has(entry)) utimesSync(path, now, now);
    else others.push({ entry, used: statSync(path).mtimeMs });
  }
  others.sort((a, b) => b.used - a.used);
  for (const { entry } of others.slice(wanted.size)) rmSync(join(ENTRIES, entry), { recursive: true, force: true });
}

export default async function globalSetup(_globalConfig: unknown, project: { cacheDirectory: string }): Promise<void> {
  // Once for the run (the workers inherit the silenced AWS SDK notice).
  announceNodeVersion((line) => process.stdout.write(`\n${line}\n`));
  // Node.js's cache of compiled modules (22.1 and later; earlier ones ignore it), for the builders and
  // the test workers, which start after this and inherit it: each loads aws-cdk-lib or Jest as plain
  // CommonJS, which would otherwise be compiled again by every process of every run.
  process.env.NODE_COMPILE_CACHE ??= join(project.cacheDirectory, 'node-compile-cache');
  const { manifest, jobs } = plan();
  pruneEntries(
    new Set([...Object.values(manifest.variants), ...Object.values(manifest.fixtures)].map((path) => path.slice(ENTRIES.length + 1))),
  );
  // What a killed run left half-built is built again from nothing.
  for (const job of jobs) if (job.kind === 'fixtures') rmSync(job.directory, { recursive: true, force: true });
  rmSync(RUN, { recursive: true, force: true });
  mkdirSync(RUN, { recursive: true });
  const manifestPath = join(RUN, 'manifest.json');
  writeFileSync(manifestPath, JSON.stringify(manifest));
  process.env[MANIFEST_VARIABLE] = manifestPath; // the workers inherit it
  if (jobs.length === 0) return;

  const queue = join(RUN, 'queue');
  mkdirSync(queue, { recursive: true });
  for (const [i, job] of jobs.entries()) writeFileSync(join(queue, `${String(i).padStart(4, '0')}.json`), JSON.stringify(job));
  // Compiled into plain JavaScript as the app is (bin/compiled.js), once per change of its sources.
  const { compiled } = require('../../bin/compiled') as {
    compiled: (root: string, entry: string, sources: string[], name: string) => string;
  };
  const builder = compiled(REPOSITORY, 'test/support/synth-builder.ts', ['lib', 'lambda', 'test/support'], 'builder');
  const bundles = join(tmpdir(), 'zero-to-millions-bundles');
  mkdirSync(bundles, { recursive: true });
  mkdirSync(BUILDERS_TMPDIR);
  symlinkSync(bundles, join(BUILDERS_TMPDIR, 'zero-to-millions-bundles'));
  (globalThis as Record<symbol, unknown>)[BUILDERS_KEY] = Array.from({ length: Math.min(builderCount(jobs), jobs.length) }, () =>
    startBuilder(builder, queue, manifest.failed),
  );
}
