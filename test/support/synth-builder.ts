/**
 * Synthesizes stage variants and fixtures into the test cache: the global setup starts two of these,
 * which take jobs from one queue until it is empty, so aws-cdk-lib is loaded once per builder instead
 * of once per test file. A job that fails writes the run's `failed` file, which every waiting reader
 * reports.
 *
 * Usage: node test/support/synth-builder.ts compiled by the global setup, <queue directory> <failed file>
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildFixtures, type FixturesJob } from './build-fixtures';
import { buildStages, type StagesJob } from './build-stages';

export type BuildJob = StagesJob | FixturesJob;

/** Written whole, then renamed: a reader never sees half a file. */
function write(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.${process.pid}`, JSON.stringify(value));
  renameSync(`${path}.${process.pid}`, path);
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

const [queue, failed] = process.argv.slice(2);
// ZTM_BUILDER_TIMES=<file> records each job's CPU time (how `npm run bench` sees where a cold run goes).
const times = process.env.ZTM_BUILDER_TIMES;
if (times) appendFileSync(times, `${process.pid} start ${cpuMs()}\n`);
for (let job = take(queue); job; job = take(queue)) {
  try {
    const before = cpuMs();
    if (job.kind === 'stages') buildStages(job, write);
    else buildFixtures(job, write);
    if (times) {
      const what =
        job.kind === 'stages' ? `stages ${Object.keys(job.entries).join(',')} ${JSON.stringify(job.overrides)}` : `fixtures ${job.module}`;
      appendFileSync(times, `${process.pid} ${what} ${cpuMs() - before}\n`);
    }
  } catch (error) {
    write(failed, `${JSON.stringify(job).slice(0, 300)}\n${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  }
}
