#!/usr/bin/env node
/**
 * zero-to-millions compare [2 3] [--json] [--write | --check] [-c key=value ...] (or npm run compare -- ...)
 *
 * Compares the stage stacks from their synthesized templates: request path, resources, single
 * points of failure, scaling, availability, exposure and estimated cost, and what changes from one
 * stage to the next. Reads cdk.out, synthesizing first (`cdk synth`, offline) when it is missing,
 * older than the sources, or built from another configuration. It only reads: `--write` (all
 * stages, cdk.json's configuration) rewrites docs/stages.md and the README's excerpt of it, and
 * `--check` fails when they are stale (CI).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ParsedArguments, runTool, UsageError } from '../lib/cli';
import { compareStages, reportStage } from '../lib/compare/compare';
import { chartOf, json, markdown, terminalReport, withStagesExcerpt } from '../lib/compare/render';
import { type Config, loadConfig, STAGES, type StageNumber } from '../lib/config';
import { cdkJsonContext } from '../lib/config/context';
import { announceNodeVersion } from '../lib/node-version';
import { type CfnTemplate, CONFIGURATION_METADATA } from '../lib/template';
import { TOOLS } from '../lib/tools';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'cdk.out');
const DOC = join(ROOT, 'docs', 'stages.md');
const README = join(ROOT, 'README.md');
const CHART = join(ROOT, 'docs', 'capacity.svg');
const SOURCES = ['bin', 'lib', 'lambda', 'service', 'cdk.json', 'package-lock.json'];

interface Args {
  stages: StageNumber[];
  json: boolean;
  check: boolean;
  write: boolean;
  context: Record<string, string>;
}

function argsOf({ options, positional, context }: ParsedArguments): Args {
  const args: Args = {
    stages: positional.map((s) => Number(s) as StageNumber),
    json: options.json === true,
    check: options.check === true,
    write: options.write === true,
    context: { ...context },
  };
  if (args.check && args.write) throw new UsageError('--check and --write exclude each other: --check only reads, --write rewrites');
  if (args.json && (args.check || args.write))
    throw new UsageError(`--json prints the comparison; ${args.check ? '--check' : '--write'} is about docs/stages.md: give one of them`);
  return args;
}

function newestSource(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestSource(join(path, entry))));
}

const templatePath = (stage: StageNumber) => join(OUT, `${STAGES[stage].stackName}.template.json`);
const readTemplate = (stage: StageNumber): CfnTemplate => JSON.parse(readFileSync(templatePath(stage), 'utf8'));

/**
 * A stage as an architect sees it: its stack, with the resources of the companion stack it deploys
 * with in us-east-1 (the CDN's certificate and firewall, when the stage is in another region).
 */
function readStage(stage: StageNumber): CfnTemplate {
  const template = readTemplate(stage);
  // Only a companion of this assembly: cdk.out keeps the templates of stacks an earlier synth built.
  const companionId = `${STAGES[stage].stackName}-Edge`;
  const manifest = JSON.parse(readFileSync(join(OUT, 'manifest.json'), 'utf8'));
  if (!manifest.artifacts?.[companionId]) return template;
  const companion = join(OUT, `${companionId}.template.json`);
  const edge: CfnTemplate = JSON.parse(readFileSync(companion, 'utf8'));
  return { ...template, Resources: { ...edge.Resources, ...template.Resources } };
}

/** cdk.out holds templates of these stages, newer than the sources, built from this configuration. */
function assemblyIsCurrent(config: Config, stages: StageNumber[]): boolean {
  const manifest = join(OUT, 'manifest.json');
  if (!existsSync(manifest) || stages.some((s) => !existsSync(templatePath(s)))) return false;
  if (statSync(manifest).mtimeMs < Math.max(...SOURCES.map((s) => newestSource(join(ROOT, s))))) return false;
  const { stages: _stages, ...stageConfig } = config;
  const wanted = JSON.stringify(stageConfig);
  return stages.every((s) => JSON.stringify(readTemplate(s).Metadata?.[CONFIGURATION_METADATA]) === wanted);
}

function synth(context: Record<string, string>): void {
  process.stderr.write('cdk.out is missing, stale or from another configuration: running cdk synth...\n');
  const flags = Object.entries(context).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const result = spawnSync(join(ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', ...flags], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cdk synth failed:\n${result.stderr}`);
}

function main(parsed: ParsedArguments): number {
  announceNodeVersion();
  const args = argsOf(parsed);
  const config = loadConfig({ ...cdkJsonContext(), ...args.context });
  const stages = args.stages.length ? [...new Set(args.stages)].sort() : [...config.stages];
  const missing = stages.filter((s) => !config.stages.includes(s));
  if (missing.length) throw new Error(`stage ${missing.join(', ')} is not among the configured stages (${config.stages.join(', ')})`);

  if (!assemblyIsCurrent(config, config.stages as StageNumber[])) synth(args.context);
  const templates = new Map(stages.map((s) => [s, readStage(s)]));
  const reports = stages.map((s) => reportStage(STAGES[s].stackName, templates.get(s)!));
  const steps = reports.slice(1).map((to, i) => compareStages(reports[i], templates.get(stages[i])!, to, templates.get(stages[i + 1])!));

  if (args.check || args.write) {
    const flag = args.check ? '--check' : '--write';
    if (args.stages.length > 0 || Object.keys(args.context).length > 0) {
      throw new UsageError(
        `${flag} is about docs/stages.md, which shows all stages in cdk.json's configuration: give it no stages and no -c`,
      );
    }
    const doc = markdown(reports, steps, 'the configuration in cdk.json');
    const readme = readFileSync(README, 'utf8');
    const excerpt = withStagesExcerpt(readme, reports);
    const current = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
    const chart = chartOf(stages, reports);
    const currentChart = existsSync(CHART) ? readFileSync(CHART, 'utf8') : '';
    const fresh = current === doc && readme === excerpt && currentChart === chart;
    if (args.check) {
      if (!fresh) {
        process.stderr.write(
          'docs/stages.md, its excerpt in README.md or docs/capacity.svg is stale: run `npm run compare -- --write` and commit them.\n',
        );
        return 1;
      }
      process.stdout.write('docs/stages.md, its README excerpt and docs/capacity.svg are up to date.\n');
      return 0;
    }
    writeFileSync(DOC, doc);
    writeFileSync(README, excerpt);
    writeFileSync(CHART, chart);
    process.stdout.write(
      fresh
        ? 'docs/stages.md, its README excerpt and docs/capacity.svg were already up to date.\n'
        : 'Wrote docs/stages.md, its excerpt in README.md and docs/capacity.svg.\n',
    );
    return 0;
  }
  process.stdout.write(`${args.json ? json(reports, steps) : terminalReport(reports, steps)}\n`);
  return 0;
}

runTool(TOOLS.compare, main);
