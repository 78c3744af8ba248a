#!/usr/bin/env node
/**
 * zero-to-millions load <url> [--rate N] [--duration S] [--steps N] [--connections N] [--read-share F]
 * [--seed N] [--stage N] [--json] [-c key=value ...] (or npm run load -- ...)
 *
 * Loads a running stage in steps up to a rate and reports each step (lib/load/run.ts), then sets what
 * it sustained against the capacity model's ceiling for that stage: compare's, for the stage the
 * target names in `GET /` (or --stage) in the configuration given with -c, read from `compare --json`
 * so that it is the very figure compare shows.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import CAPACITY from '../lib/capacity/inputs.json';
import { type ParsedArguments, runTool, UsageError } from '../lib/cli';
import { loadConfig } from '../lib/config';
import { cdkJsonContext } from '../lib/config/context';
import { STAGE_NUMBERS, STAGES, type StageNumber } from '../lib/config/stages';
import { failedShare, type LoadReport, modelLine, reportText, runLoad } from '../lib/load/run';
import { TOOLS } from '../lib/tools';

/** The stage a target names (`Stage3-LoadBalanced`, or an integ test's `Integ-k3x9qa-Stage3-LoadBalanced`); undefined for `local`. */
function stageNamed(name: string): StageNumber | undefined {
  return STAGE_NUMBERS.find((n) => name === STAGES[n].stackName || name.endsWith(`-${STAGES[n].stackName}`));
}

/** The model's ceiling for the stage, from compare in the same configuration. */
function modelOf(stage: StageNumber, context: Readonly<Record<string, string>>) {
  const flags = Object.entries(context).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const result = spawnSync(process.execPath, [join(__dirname, 'cli.js'), 'compare', String(stage), '--json', ...flags], {
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  if (result.status !== 0)
    throw new Error(`compare ${stage} failed, so there is no model to set the run against:\n${result.stderr.trim()}`);
  const report = JSON.parse(result.stdout).stages[0];
  return {
    stage: report.stack as string,
    ceiling: report.capacity.ceiling.mixed as number,
    bottleneck: report.capacity.bottleneck.mixed as string,
    readShare: report.capacity.readShare as number,
  };
}

async function main({ positional, options, context }: ParsedArguments): Promise<number> {
  const [url] = positional;
  if (url === undefined || positional.length > 1) throw new UsageError('give one URL: the API of the stage to load');
  const json = options.json === true;
  const [duration, steps] = [Number(options.duration ?? 30), Number(options.steps ?? 5)];
  // The configuration the model is read in, checked before anything is sent (a bad key names itself).
  try {
    loadConfig({ ...cdkJsonContext(), ...context });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (duration < steps)
    throw new UsageError(
      `--duration, --steps: got ${duration} s for ${steps} steps; allowed: at least one second a step (--duration ${steps} or more, or fewer --steps)`,
    );
  const report: LoadReport = await runLoad(
    {
      url,
      rate: Number(options.rate ?? 100),
      durationSeconds: duration,
      steps,
      connections: Number(options.connections ?? 50),
      readShare: Number(options['read-share'] ?? CAPACITY.assumptions.readShare),
      seed: Number(options.seed ?? 100),
    },
    autocannon,
    (line) => process.stderr.write(`${line}\n`),
  );
  const named = stageNamed(report.target.stage);
  const stage = typeof options.stage === 'string' ? (Number(options.stage) as StageNumber) : named;
  const notes: string[] = [];
  if (stage && named !== stage)
    notes.push(
      `The target names itself ${report.target.stage}, not ${STAGES[stage].stackName}: the model's ceiling is that stage's as deployed, not this target's.`,
    );
  if (!stage)
    notes.push(
      `${report.target.stage} is not a stage of the journey (npm run local is one process on this machine): no model ceiling to set it against; give --stage N for one.${Object.keys(context).length ? ' The -c values were not used.' : ''}`,
    );
  // The run's figures first: a model that cannot be read loses none of them.
  if (!json) process.stdout.write(`${reportText(report)}\n`);
  let model: ReturnType<typeof modelOf> | undefined;
  let modelError: string | undefined;
  if (stage) {
    try {
      model = modelOf(stage, context);
    } catch (error) {
      modelError = (error as Error).message;
    }
  }
  if (json) process.stdout.write(`${JSON.stringify({ ...report, model, notes: modelError ? [...notes, modelError] : notes }, null, 2)}\n`);
  else {
    if (model) process.stdout.write(`${modelLine(report, model)}\n`);
    for (const note of notes) process.stdout.write(`${note}\n`);
    if (modelError) process.stderr.write(`${modelError}\n`);
  }
  if (modelError) return 1;
  // A ramp is meant to fail at its top; a target that fails from its first step is what exits 1.
  const first = report.steps[0];
  return first === undefined || failedShare(first) >= 0.01 ? 1 : 0;
}

runTool(TOOLS.load, main);
