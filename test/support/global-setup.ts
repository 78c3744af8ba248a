/**
 * Starts synthesizing every stage variant (./variants.ts) and fixture (./fixtures.ts) the suite
 * reads that the cache does not hold yet, in two builder processes (this machine has two cores),
 * each loading aws-cdk-lib once, and returns at once: test files that need no template run
 * meanwhile, and a test file that reads one waits for it (./synth-cache.ts). The builders take jobs
 * from one queue, so neither idles while the other has work; the costliest job, the control case
 * that compiles CloudFormation validation, is queued first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { announceNodeVersion } from '../../lib/node-version';
import { REPOSITORY } from '../../lib/source-hash';
import { SYNTH_NODE_OPTIONS } from '../../lib/synth';
import type { BuildJob } from './synth-builder';
import {
  CACHE_ROOT,
  cacheDirectory,
  configKey,
  entryPath,
  fixturesDone,
  queueDirectory,
  SOURCE_HASH_VARIABLE,
  sourceHash,
} from './synth-cache';
import { VARIANTS } from './variants';

const BUILDERS = 2;

/** The builders, for the global teardown to wait for. */
export const BUILDERS_KEY = Symbol.for('zero-to-millions:test-builders');

function startBuilder(builder: string, queue: string): ChildProcess {
  return spawn(process.execPath, [...SYNTH_NODE_OPTIONS, builder, queue], { cwd: REPOSITORY, stdio: 'ignore' });
}

export default async function globalSetup(): Promise<void> {
  // Once for the run (the workers inherit the silenced AWS SDK notice).
  announceNodeVersion((line) => process.stdout.write(`\n${line}\n`));
  const hash = sourceHash();
  process.env[SOURCE_HASH_VARIABLE] = hash; // the workers inherit it and need not hash again
  const directory = cacheDirectory(hash);
  mkdirSync(directory, { recursive: true });
  // Caches of other sources are stale for good; so is a queue a killed run left behind.
  for (const entry of readdirSync(CACHE_ROOT)) if (entry !== hash) rmSync(join(CACHE_ROOT, entry), { recursive: true, force: true });
  rmSync(queueDirectory(hash), { recursive: true, force: true });
  rmSync(join(directory, 'failed'), { force: true });

  const jobs: BuildJob[] = [];
  // The fixtures are part of the source hash: each group is all there or not at all.
  if (!existsSync(fixturesDone('validated', hash))) jobs.push({ kind: 'fixtures', validated: true, done: fixturesDone('validated', hash) });
  const byConfig = new Map<string, { kind: 'stages'; overrides: Record<string, unknown>; entries: Record<string, string> }>();
  for (const { stage, overrides } of VARIANTS) {
    const path = entryPath(stage, overrides, hash);
    if (existsSync(path)) continue;
    const key = configKey(stage, overrides);
    if (!byConfig.has(key)) byConfig.set(key, { kind: 'stages', overrides: { ...overrides }, entries: {} });
    byConfig.get(key)!.entries[stage] = path;
  }
  jobs.push(...byConfig.values());
  if (!existsSync(fixturesDone('plain', hash))) jobs.push({ kind: 'fixtures', validated: false, done: fixturesDone('plain', hash) });
  if (jobs.length === 0) return;

  const queue = queueDirectory(hash);
  mkdirSync(queue, { recursive: true });
  for (const [i, job] of jobs.entries()) writeFileSync(join(queue, `${String(i).padStart(4, '0')}.json`), JSON.stringify(job));
  // Compiled into plain JavaScript as the app is (bin/compiled.js), once per change of its sources.
  const { compiled } = require('../../bin/compiled') as {
    compiled: (root: string, entry: string, sources: string[], name: string) => string;
  };
  const builder = compiled(REPOSITORY, 'test/support/synth-builder.ts', ['lib', 'lambda', 'test/support'], 'builder');
  (globalThis as Record<symbol, unknown>)[BUILDERS_KEY] = Array.from({ length: Math.min(BUILDERS, jobs.length) }, () =>
    startBuilder(builder, queue),
  );
}
