/**
 * A builder's fixture job (./synth-builder.ts): every fixture of one module of ./fixtures/, each
 * synthesized with the checks it turns on, written to the module's directory of the cache, then a
 * `done` file that says the directory is whole.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { InvariantsPlugin } from '../../lib/checks/invariants-plugin';
import { CachedCloudFormationValidation } from '../../lib/checks/validation-cache';
import { synthReport } from '../../lib/synth-report';
import { DONE, fixtureFile } from './cache-layout';
import { FIXTURES, type Fixture, fixtureApp } from './fixtures';

export interface FixturesJob {
  readonly kind: 'fixtures';
  /** The module, as ./fixtures/<module>.ts names it. */
  readonly module: string;
  /** Where its fixtures are written. */
  readonly directory: string;
}

function buildFixture(fixture: Fixture): unknown {
  const outdir = mkdtempSync(join(tmpdir(), 'ztm-fixture-'));
  try {
    const app = fixtureApp(fixture, outdir);
    try {
      fixture.build(app);
    } catch (error) {
      // A fixture whose build throws is about that error: record it, and what exists after it.
      const stacks = app.node.children.filter((child) => Stack.isStack(child)).length;
      return {
        templates: {},
        findings: [],
        failed: true,
        error: { name: (error as Error).name, message: (error as Error).message },
        stacks,
      };
    }
    if (fixture.checks?.validation) Validations.of(app).addPlugins(CachedCloudFormationValidation.instance());
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
    return { templates, findings, failed: threw !== undefined };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export function buildFixtures(job: FixturesJob, write: (path: string, value: unknown) => void): void {
  const names = Object.keys(FIXTURES).filter((name) => name.split('/')[0] === job.module);
  for (const name of names) write(join(job.directory, fixtureFile(name)), buildFixture((FIXTURES as Record<string, Fixture>)[name]));
  write(join(job.directory, DONE), names);
}
