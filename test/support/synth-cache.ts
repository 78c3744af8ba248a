/**
 * Synthesized stages and fixtures, shared by every test file of a run and kept between runs: the
 * global setup (./global-setup.ts) has each variant the suite reads (./variants.ts) and each
 * fixture (./fixtures.ts) built once, in two processes, and writes it here; test files read the JSON
 * and never load aws-cdk-lib.
 *
 * An entry is keyed by the configuration it is built from (never by the overrides as written: `{}`
 * and `{ dataStore: 'rds' }` are one template) and by the hash of every file its build reads
 * (./entry-keys.ts): a change to one construct rebuilds the entries whose builds import it, and
 * every other entry is reused. The global setup writes a manifest of where each entry of this run
 * is, so a test file finds one without hashing anything.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type StageNumber } from '../../lib/config';
import { cdkJsonContext } from '../../lib/config/context';
import type { Overrides, SynthesizedStage } from '../../lib/synth';
import type { CfnTemplate } from '../../lib/template';
import { fixtureFile } from './cache-layout';
import type { FixtureName } from './fixtures';

/** Where the global setup tells the test files the manifest is. */
export const MANIFEST_VARIABLE = 'ZTM_SYNTH_MANIFEST';

export interface Manifest {
  /** Each variant's entry, by stage and overrides as `variants.ts` writes them (`variantId`). */
  readonly variants: Record<string, string>;
  /** Each variant's entry, by stage and configuration (`configId`): for overrides written another way. */
  readonly configs: Record<string, string>;
  /** Each fixture module's directory of entries. */
  readonly fixtures: Record<string, string>;
  /** Written by a builder whose job failed, with the error. */
  readonly failed: string;
}

/** JSON with every object's keys sorted, so equal values have one spelling. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const spelled = new WeakMap<Overrides, string>();
/** A variant by its stage and its overrides as written (the global setup and its tests ask for the same objects many times). */
export function variantId(stage: StageNumber, overrides: Overrides): string {
  if (!spelled.has(overrides)) spelled.set(overrides, canonical(overrides));
  return `${stage} ${spelled.get(overrides)}`;
}

const configs = new Map<string, string>();

/** The configuration a stage is built from, without `stages` (which stacks an app builds is no stack's business). */
export function configKey(stage: StageNumber, overrides: Overrides): string {
  const id = variantId(stage, overrides);
  if (!configs.has(id)) {
    const { stages: _stages, ...config } = loadConfig({ ...cdkJsonContext(), ...overrides, stages: String(stage) });
    configs.set(id, canonical(config));
  }
  return configs.get(id)!;
}

export const configId = (stage: StageNumber, overrides: Overrides) => `${stage} ${configKey(stage, overrides)}`;

let manifest: Manifest | undefined;
function theManifest(): Manifest {
  const path = process.env[MANIFEST_VARIABLE];
  if (!path || !existsSync(path))
    throw new Error('no template cache for this run: run the suite through jest, whose global setup builds it');
  manifest ??= JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  return manifest;
}

/** How long a reader waits for a builder before it gives up (a cold run builds everything in seconds). */
const WAIT_MS = 180_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Waits, synchronously (test files read templates while jest collects them), until the builders
 * have written `path`, and reads it; fails with the builder's error if one failed.
 */
function readWhenBuilt<T>(path: string, what: string): T {
  const { failed } = theManifest();
  const deadline = Date.now() + WAIT_MS;
  while (!existsSync(path)) {
    if (existsSync(failed))
      throw new Error(`synthesizing the test templates failed, so ${what} does not exist:\n${readFileSync(failed, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`${what} was not synthesized within ${WAIT_MS / 1000} s`);
    Atomics.wait(pause, 0, 0, 25);
  }
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

const read = new Map<string, SynthesizedStage>();

/** One synthesized stage, from the run's cache. */
export function stageOf(stage: StageNumber, overrides: Overrides = {}): SynthesizedStage {
  const { variants, configs } = theManifest();
  const path = variants[variantId(stage, overrides)] ?? configs[configId(stage, overrides)];
  if (!path) {
    throw new Error(
      `stage ${stage} ${JSON.stringify(overrides)} is not listed in test/support/variants.ts: add it there, so it is synthesized once for the whole run`,
    );
  }
  if (!read.has(path)) read.set(path, readWhenBuilt<SynthesizedStage>(path, `stage ${stage} ${JSON.stringify(overrides)}`));
  return read.get(path)!;
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

/** A fixture, from the run's cache. */
export function fixtureOf(name: FixtureName): SynthesizedFixture {
  const module = name.split('/')[0];
  const directory = theManifest().fixtures[module];
  if (!directory) throw new Error(`fixture ${name}: no module test/support/fixtures/${module}.ts`);
  return readWhenBuilt<SynthesizedFixture>(join(directory, fixtureFile(name)), `fixture ${name}`);
}

/** The one template of a fixture that builds one stack. */
export function fixtureTemplate(name: FixtureName): CfnTemplate {
  const templates = Object.values(fixtureOf(name).templates);
  if (templates.length !== 1) throw new Error(`fixture ${name} has ${templates.length} stacks`);
  return templates[0];
}
