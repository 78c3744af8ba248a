/**
 * Synthesized stages, shared by every test file of a run: the global setup (./global-setup.ts)
 * synthesizes each variant the suite reads (./variants.ts) once, in two processes, and writes it
 * here; test files read the JSON and never load aws-cdk-lib.
 *
 * An entry is keyed by the hash of every source that shapes a template (lib/, lambda/, service/,
 * cdk.json, package-lock.json) and by the configuration it was built from, never by the overrides as
 * written: `{}` and `{ dataStore: 'rds' }` are one template. An entry therefore cannot be stale; a
 * later run with unchanged sources reuses it, and a change to any source starts a new cache.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadConfig, type StageNumber } from '../../lib/config';
import { cdkJsonContext } from '../../lib/config/context';
import { hashOfSources, REPOSITORY } from '../../lib/source-hash';
import type { Overrides, SynthesizedStage } from '../../lib/synth';
import type { CfnTemplate } from '../../lib/template';
import type { FixtureName } from './fixtures';
import { VARIANTS } from './variants';

/** What shapes a template: a change to any of these is a new cache. */
export const TEMPLATE_SOURCES = ['lib', 'lambda', 'service', 'web', 'cdk.json', 'package-lock.json', 'test/support/fixtures.ts'];

export const CACHE_ROOT = join(REPOSITORY, '.jest-cache', 'synth');

/** The global setup hashes the sources once and hands the hash to the test files. */
export const SOURCE_HASH_VARIABLE = 'ZTM_SOURCE_HASH';

export function sourceHash(): string {
  process.env[SOURCE_HASH_VARIABLE] ??= hashOfSources(TEMPLATE_SOURCES).slice(0, 16);
  return process.env[SOURCE_HASH_VARIABLE];
}

export const cacheDirectory = (hash = sourceHash()) => join(CACHE_ROOT, hash);

const CDK_JSON = cdkJsonContext();

/** The configuration a stage is built from, without `stages` (which stacks an app builds is no stack's business). */
export function configKey(stage: StageNumber, overrides: Overrides): string {
  const { stages: _stages, ...config } = loadConfig({ ...CDK_JSON, ...overrides, stages: String(stage) });
  return canonical(config);
}

/** JSON with every object's keys sorted, so equal values have one spelling. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function entryKey(stage: StageNumber, overrides: Overrides): string {
  return createHash('sha256')
    .update(`${stage}\0${configKey(stage, overrides)}`)
    .digest('hex')
    .slice(0, 24);
}

export const entryPath = (stage: StageNumber, overrides: Overrides, hash = sourceHash()) =>
  join(cacheDirectory(hash), `stage${stage}-${entryKey(stage, overrides)}.json`);

/** The builders' queue, while they work. */
export const queueDirectory = (hash = sourceHash()) => join(cacheDirectory(hash), 'queue');

/** How long a reader waits for a builder before it gives up (a cold run builds everything in seconds). */
const WAIT_MS = 180_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Waits, synchronously (test files read templates while jest collects them), until the builders
 * have written `path`, and reads it; fails with the builder's error if one failed.
 */
function readWhenBuilt<T>(path: string, what: string): T {
  const failed = join(dirname(path), 'failed');
  const deadline = Date.now() + WAIT_MS;
  while (!existsSync(path)) {
    if (existsSync(failed))
      throw new Error(`synthesizing the test templates failed, so ${what} does not exist:\n${readFileSync(failed, 'utf8')}`);
    if (Date.now() > deadline)
      throw new Error(`${what} was not synthesized within ${WAIT_MS / 1000} s: run the suite through jest, whose global setup builds it`);
    Atomics.wait(pause, 0, 0, 25);
  }
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

const read = new Map<string, SynthesizedStage>();

/** One synthesized stage, from the run's cache. */
export function stageOf(stage: StageNumber, overrides: Overrides = {}): SynthesizedStage {
  const path = entryPath(stage, overrides);
  const cached = read.get(path);
  if (cached) return cached;
  if (!VARIANTS.some((v) => v.stage === stage && configKey(stage, v.overrides) === configKey(stage, overrides))) {
    throw new Error(
      `stage ${stage} ${JSON.stringify(overrides)} is not listed in test/support/variants.ts: add it there, so it is synthesized once for the whole run`,
    );
  }
  const synthesized = readWhenBuilt<SynthesizedStage>(path, `stage ${stage} ${JSON.stringify(overrides)}`);
  read.set(path, synthesized);
  return synthesized;
}

/** The template of one stage under a configuration. */
export const templateOf = (stage: StageNumber, overrides: Overrides = {}): CfnTemplate => stageOf(stage, overrides).template;

/** What a fixture (./fixtures.ts) synthesized to: its stacks' templates, and what the checks found. */
export interface SynthesizedFixture {
  readonly templates: Record<string, CfnTemplate>;
  /** Findings of the checks the fixture turns on that no acknowledgement covers. */
  readonly findings: string[];
  /** Synth failed (as `cdk synth` would, exiting non-zero). */
  readonly failed: boolean;
  /** The error building the app threw, when it threw one (and then how many stacks existed). */
  readonly error?: { readonly name: string; readonly message: string };
  readonly stacks?: number;
}

export const fixtureFile = (name: string) => `fixture-${name.replace(/[^a-z0-9-]/gi, '_')}.json`;
export const fixturePath = (name: string, hash = sourceHash()) => join(cacheDirectory(hash), fixtureFile(name));
/** Written once every fixture of a group is: those with CloudFormation validation, and the rest. */
export const fixturesDone = (group: 'validated' | 'plain', hash = sourceHash()) => join(cacheDirectory(hash), `fixtures-${group}.done`);

/** A fixture, from the run's cache. */
export function fixtureOf(name: FixtureName): SynthesizedFixture {
  return readWhenBuilt<SynthesizedFixture>(fixturePath(name), `fixture ${name}`);
}

/** The one template of a fixture that builds one stack. */
export function fixtureTemplate(name: FixtureName): CfnTemplate {
  const templates = Object.values(fixtureOf(name).templates);
  if (templates.length !== 1) throw new Error(`fixture ${name} has ${templates.length} stacks`);
  return templates[0];
}
