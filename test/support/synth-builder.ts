/**
 * Synthesizes stage variants and fixtures into the test cache: the global setup starts two of these,
 * which take jobs from one queue until it is empty, so aws-cdk-lib is loaded once per builder instead
 * of once per test file. A job that fails writes `failed` beside the cache, which every waiting
 * reader reports.
 *
 * Usage: node test/support/synth-builder.ts compiled by the global setup, <queue directory>
 */
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { InvariantsPlugin } from '../../lib/checks/invariants-plugin';
import { synthesize, synthReport } from '../../lib/synth';
import { FIXTURES, type Fixture, fixtureApp } from './fixtures';
import { fixtureFile } from './synth-cache';

/** One app per configuration builds every stage wanted from it; fixtures are built by group. */
export type BuildJob =
  | { readonly kind: 'stages'; readonly overrides: Record<string, unknown>; readonly entries: Record<string, string> }
  | { readonly kind: 'fixtures'; readonly validated: boolean; readonly done: string };

/** Written whole, then renamed: a reader never sees half a file. */
function write(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.${process.pid}`, JSON.stringify(value));
  renameSync(`${path}.${process.pid}`, path);
}

function buildFixture(name: string, path: string): void {
  const fixture: Fixture = FIXTURES[name as keyof typeof FIXTURES];
  const outdir = mkdtempSync(join(tmpdir(), 'ztm-fixture-'));
  try {
    const app = fixtureApp(fixture, outdir);
    try {
      fixture.build(app);
    } catch (error) {
      // A fixture whose build throws is about that error: record it, and what exists after it.
      const stacks = app.node.children.filter((child) => Stack.isStack(child)).length;
      write(path, {
        templates: {},
        findings: [],
        failed: true,
        error: { name: (error as Error).name, message: (error as Error).message },
        stacks,
      });
      return;
    }
    if (fixture.checks?.nag) Validations.of(app).addPlugins(new (require('cdk-nag') as typeof import('cdk-nag')).AwsSolutionsChecks(app));
    if (fixture.checks?.invariants) Validations.of(app).addPlugins(new InvariantsPlugin());
    const { threw, findings } = synthReport(app);
    if (threw && findings.length === 0) throw threw;
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    const templates = Object.fromEntries(
      Object.entries(manifest.artifacts as Record<string, { type: string; properties?: { templateFile: string } }>)
        .filter(([, a]) => a.type === 'aws:cloudformation:stack')
        .map(([id, a]) => [id, JSON.parse(readFileSync(join(outdir, a.properties!.templateFile), 'utf8'))]),
    );
    write(path, { templates, findings, failed: threw !== undefined });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function build(job: BuildJob): void {
  if (job.kind === 'fixtures') {
    const names = Object.entries(FIXTURES as Record<string, Fixture>)
      .filter(([, f]) => (f.checks?.validation === true) === job.validated)
      .map(([name]) => name);
    for (const name of names) buildFixture(name, join(dirname(job.done), fixtureFile(name)));
    write(job.done, names);
    return;
  }
  // Placeholders left unacknowledged: the tests read the warning each stack carries.
  const result = synthesize({ ...job.overrides, stages: Object.keys(job.entries).join(',') }, { acknowledgePlaceholders: false });
  for (const synthesized of result.stages) write(job.entries[String(synthesized.stage)], synthesized);
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 1000);
}

/** The next job nobody has taken, taken by renaming it: only one builder can. */
function take(queue: string): BuildJob | undefined {
  for (const entry of readdirSync(queue)
    .filter((e) => e.endsWith('.json'))
    .sort()) {
    const claimed = join(queue, `${entry}.${process.pid}`);
    try {
      renameSync(join(queue, entry), claimed);
    } catch {
      continue; // the other builder took it first
    }
    return JSON.parse(readFileSync(claimed, 'utf8')) as BuildJob;
  }
  return undefined;
}

const queue = process.argv[2];
// ZTM_BUILDER_TIMES=<file> records each job's CPU time (how `npm run bench` sees where a cold run goes).
const times = process.env.ZTM_BUILDER_TIMES;
if (times) appendFileSync(times, `${process.pid} start ${cpuMs()}\n`);
for (let job = take(queue); job; job = take(queue)) {
  try {
    const before = cpuMs();
    build(job);
    if (times)
      appendFileSync(
        times,
        `${process.pid} ${job.kind === 'stages' ? `stages ${Object.keys(job.entries).join(',')} ${JSON.stringify(job.overrides)}` : `fixtures validated=${job.validated}`} ${cpuMs() - before}\n`,
      );
  } catch (error) {
    write(join(dirname(queue), 'failed'), `${JSON.stringify(job).slice(0, 300)}\n${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  }
}
