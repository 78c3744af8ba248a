#!/usr/bin/env node
/**
 * zero-to-millions preflight [-c key=value ...] (or npm run preflight -- ...): checks the
 * placeholders left in the configuration, the hosted zone, the domain's delegation, the stage's
 * record name, what the stage takes its data from (a snapshot, a table) and, for the CDN stages,
 * the CDK bootstrap in us-east-1 and who holds the API name at CloudFront, with your AWS
 * credentials before any deploy, and prints what `cdk deploy` would create. Takes the same
 * configuration as `cdk synth`. Exits 0 when nothing blocks a deploy, 1 when something does, each
 * problem on one line with its fix (a check that could not run too: no network, no credentials).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { type ParsedArguments, runTool } from '../lib/cli';
import { cdkJsonContext } from '../lib/config/context';
import { announceNodeVersion } from '../lib/node-version';
import { describePlan, preflight } from '../lib/preflight';
import { preflightClients } from '../lib/preflight/clients';
import { acknowledgePlaceholders } from '../lib/synth';
import { TOOLS } from '../lib/tools';

async function main({ context }: ParsedArguments): Promise<number> {
  announceNodeVersion();
  // The assembly is read here and removed: preflight leaves nothing in the temp directory.
  const outdir = mkdtempSync(join(tmpdir(), 'ztm-preflight-'));
  try {
    return await check(context, outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

async function check(context: ParsedArguments['context'], outdir: string): Promise<number> {
  const app = new App({
    context: { ...cdkJsonContext(), ...context, 'aws:cdk:bundling-stacks': [] },
    outdir,
    builtinCloudFormationValidation: false,
  });
  const stacks = buildApp(app, { nag: false });
  // The placeholders are the first problems printed below; synth's warning would say it again.
  acknowledgePlaceholders(stacks, 'preflight reports each placeholder as a problem of its own.');
  const config = stacks[0].config;

  const result = await preflight(config, preflightClients(config));

  // Problems first, placeholders first among them: what to fix is the first thing read.
  for (const line of result.problems) process.stdout.write(`PROBLEM  ${line}\n`);
  for (const line of result.passed) process.stdout.write(`ok       ${line}\n`);
  const assembly = app.synth();
  const templates = stacks.map((stack) => ({
    stackName: stack.stackName,
    stage: stack.stage,
    template: assembly.getStackArtifact(stack.artifactId).template,
  }));
  process.stdout.write(`\n\`cdk deploy\` would create:\n${describePlan(templates, config).join('\n')}\n`);
  process.stdout.write(
    result.problems.length === 0 ? '\nNothing blocks a deploy.\n' : `\n${result.problems.length} problem(s) block a deploy.\n`,
  );
  return result.problems.length === 0 ? 0 : 1;
}

runTool(TOOLS.preflight, main);
