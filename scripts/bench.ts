/**
 * npm run bench [-- --runs N] [-- --only synth,stages,tests,bundle,service,capacity] [-- --record]
 *
 * Speed and size figures, printed with what each is compared against, never asserted:
 * - `cdk synth` of every stage (validation and cdk-nag on) against the same CLI synthesizing a
 *   one-resource app, side by side in one run, in CPU time of the whole process tree;
 * - the same two with Node's default WebAssembly compilation, to show what SYNTH_NODE_OPTIONS saves;
 * - `cdk synth`'s CPU time a stage over that floor, for six stages and ten (four stand-ins), with no
 *   validation answer cached, all but one, and all (`stages`);
 * - `npm test`, once with an empty template cache (as after a change to lib/) and once warm, against
 *   its 10 s budget;
 * - the verification Lambda's bundle size and cold module load, with the AWS SDK bundled or not;
 * - the workload service's throughput (scripts/bench-service.ts);
 * - what one request costs the service, PostgreSQL and Redis on each path (scripts/bench-capacity.ts),
 *   the capacity model's measured inputs, which `--record` writes into lib/capacity/inputs.json.
 * Each figure is a median of --runs runs (default 3); the machine is shared, so compare ratios from
 * one run, not absolute times from different runs. The figures go to stdout; what it is doing
 * meanwhile goes to stderr, so `npm run bench > figures.txt` still shows progress.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { argumentsOf } from '../lib/cli';
import { STAGE_NUMBERS } from '../lib/config';
import { announceNodeVersion } from '../lib/node-version';
import { SYNTH_NODE_OPTIONS } from '../lib/synth-node-options';
import { BENCH_SECTIONS, TOOLS } from '../lib/tools';
import { benchCapacity } from './bench-capacity';
import { benchService } from './bench-service';

const ROOT = join(__dirname, '..');
const { options } = argumentsOf(TOOLS.bench);
const RUNS = Number(options.runs ?? 3);
const ONLY = new Set(String(options.only ?? BENCH_SECTIONS.join(',')).split(','));

/** What the bench is doing now, on stderr: the figures on stdout stay as they are. */
const progress = (what: string) => process.stderr.write(`  … ${what}\n`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (n: number) => `${n.toFixed(2)} s`;

interface Measured {
  readonly wall: number;
  /** User + system CPU seconds of the command and every process it started. */
  readonly cpu: number;
}

/** Runs a command in bash and reads the CPU time of its whole process tree from bash's `times`. */
function measure(command: string, env: Record<string, string> = {}): Measured {
  const start = process.hrtime.bigint();
  const result = spawnSync('bash', ['-c', `${command} >/dev/null 2>&1; status=$?; times; exit $status`], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${command} exited ${result.status}`);
  // `times` prints the shell's own user/system time, then its children's: "0m1.234s 0m0.567s".
  const children = result.stdout.trim().split('\n').at(-1)!;
  const cpu = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, [, m, s]) => sum + Number(m) * 60 + Number(s), 0);
  return { wall, cpu };
}

const medianOf = (runs: Measured[]): Measured => ({ wall: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu)) });

/**
 * The floor: the app of one resource checked as the stages are (scripts/bench-floor-app.ts), compiled
 * once like the project's app, so both load as plain JavaScript.
 */
function floorApp(): string {
  const { compiled } = require('../bin/compiled') as { compiled: (root: string, entry: string, sources: string[], name: string) => string };
  return compiled(ROOT, 'scripts/bench-floor-app.ts', ['lib', 'scripts/bench-floor-app.ts'], 'bench-floor-app');
}

function benchSynth(): void {
  const floor = floorApp();
  const cdk = join(ROOT, 'node_modules', '.bin', 'cdk');
  const synth = (launcher: string, app: string) =>
    `${cdk} synth --quiet -o ${mkdtempSync(join(tmpdir(), 'bench-synth-'))} --app "${launcher} ${app}"`;
  // The project's app as cdk.json runs it (compiled once per change of its sources, then plain JavaScript),
  // with the Node options it runs with, and with Node's defaults; and the app through a TypeScript loader.
  const variants: [label: string, floorLauncher: string, appCommand: string][] = [
    [
      "cdk.json's command (compiled app, SYNTH_NODE_OPTIONS)",
      `node ${SYNTH_NODE_OPTIONS.join(' ')}`,
      `node ${SYNTH_NODE_OPTIONS.join(' ')} bin/app.js`,
    ],
    ["the same with Node's defaults", 'node', 'node bin/app.js'],
    [
      'the app through tsx (as before bin/app.js)',
      `node ${SYNTH_NODE_OPTIONS.join(' ')}`,
      `node ${SYNTH_NODE_OPTIONS.join(' ')} --require tsx/cjs bin/zero-to-millions.ts`,
    ],
  ];
  console.log(`\n\`cdk synth\` of every stage, validation and cdk-nag on, CPU time of the CLI and the app (median of ${RUNS}):`);
  console.log('(validation answers cached: every template was validated before; `stages` below shows a synth without them)');
  console.log(
    'app command                                             one-resource app   every stage   ratio (target ≤ 1.5)   a stage over the floor',
  );
  // Compiles the app once (bin/app.js caches it), so no run below pays for it.
  progress('compiling the app and synthesizing it once, so no run below pays for the compilation');
  measure(synth(variants[0][2], ''));
  for (const [label, floorLauncher, appCommand] of variants) {
    const floorRuns: Measured[] = [];
    const fullRuns: Measured[] = [];
    for (let i = 0; i < RUNS; i++) {
      progress(`${label}: run ${i + 1} of ${RUNS}, the one-resource app then every stage`);
      // Side by side, alternating, so both see the same machine.
      floorRuns.push(measure(synth(floorLauncher, floor)));
      fullRuns.push(measure(synth(appCommand, '')));
    }
    const [f, a] = [medianOf(floorRuns), medianOf(fullRuns)];
    console.log(
      `${label.padEnd(54)}  ${`${seconds(f.cpu)} cpu`.padStart(16)}   ${`${seconds(a.cpu)} cpu`.padStart(11)}   ${`${(a.cpu / f.cpu).toFixed(2)}×`.padStart(20)}   ${seconds((a.cpu - f.cpu) / STAGE_NUMBERS.length)}`,
    );
  }
}

/** The answers of CloudFormation validation (lib/checks/validation-cache.ts): loaded when used, as it loads aws-cdk-lib. */
const validationCache = () => require('../lib/checks/validation-cache') as typeof import('../lib/checks/validation-cache');

/**
 * What `cdk synth` costs a stage over the floor (the same CLI, with the same Node options, on a
 * one-resource app, alternating with it in one run), for the six stages and for ten (the six and
 * four stand-ins of comparable size: scripts/bench-ten-stages.ts), in three states of the
 * validation answers: none (a fresh clone), every template but one seen before (as after a change
 * to one construct that alters one stage's template: stage 6's answer is removed before each run),
 * and all seen (a synth that changes nothing). Every template is validated and nag-checked in
 * each, or its identical bytes were.
 */
function benchSynthStages(): void {
  const floor = floorApp();
  const node = `node ${SYNTH_NODE_OPTIONS.join(' ')}`;
  const { compiled } = require('../bin/compiled') as { compiled: (root: string, entry: string, sources: string[], name: string) => string };
  const tenStages = compiled(ROOT, 'scripts/bench-ten-stages.ts', ['lib', 'lambda', 'scripts/bench-ten-stages.ts'], 'bench-ten-stages');
  const cdk = join(ROOT, 'node_modules', '.bin', 'cdk');
  let outdir = ''; // the app's last synth
  const synth = (app: string) => {
    const out = mkdtempSync(join(tmpdir(), 'bench-synth-'));
    if (app !== `${node} ${floor}`) outdir = out;
    return `${cdk} synth --quiet -o ${out} --app "${app}"`;
  };
  /** Removes the answer for stage 6's template as the last synth wrote it. */
  const forgetStage6 = () => {
    const { CachedCloudFormationValidation, VALIDATION_CACHE } = validationCache();
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    const [, account, region] = /^aws:\/\/([^/]+)\/(.+)$/.exec(manifest.artifacts['Stage6-Stateless'].environment)!;
    const key = new CachedCloudFormationValidation().keyOf(readFileSync(join(outdir, 'Stage6-Stateless.template.json'), 'utf8'), {
      accountId: account,
      region,
    });
    rmSync(join(VALIDATION_CACHE, `${key}.json`), { force: true });
  };
  const states: [label: string, prepare: () => void][] = [
    ['no answer cached (fresh clone)', () => rmSync(validationCache().VALIDATION_CACHE, { recursive: true, force: true })],
    ["one stage's template new", forgetStage6],
    ['every answer cached', () => undefined],
  ];
  console.log(
    `\n\`cdk synth\`, CPU-s a stage over the floor (one-resource app, same CLI and Node options), target ≤ 0.3 (median of ${RUNS}):`,
  );
  console.log(
    'stages                            validation answers                  one-resource app   the stages   a stage over the floor',
  );
  for (const [label, app, stages] of [
    ["1–6 (cdk.json's command)", `${node} bin/app.js`, 6],
    ['1–6 and four stand-ins', `${node} ${tenStages}`, 10],
  ] as const) {
    measure(synth(app)); // compiles the app once, and leaves a synth to read stage 6's template from
    for (const [state, prepare] of states) {
      const floorRuns: Measured[] = [];
      const appRuns: Measured[] = [];
      for (let i = 0; i < RUNS; i++) {
        progress(`stages ${label}, ${state}: run ${i + 1} of ${RUNS}, the one-resource app then the stages`);
        floorRuns.push(measure(synth(`${node} ${floor}`)));
        prepare();
        appRuns.push(measure(synth(app)));
      }
      const [f, a] = [medianOf(floorRuns), medianOf(appRuns)];
      console.log(
        `${label.padEnd(32)}  ${state.padEnd(34)}  ${`${seconds(f.cpu)} cpu`.padStart(16)}   ${`${seconds(a.cpu)} cpu`.padStart(10)}   ${seconds((a.cpu - f.cpu) / stages)}`,
      );
    }
  }
}

/** The construct `npm test` is timed after a change to: the sessions of stage 6 and up. */
const CHANGED_CONSTRUCT = 'lib/constructs/session-store.ts';

/**
 * Runs `npm test` after a change to one construct (a comment appended, different each run, so its
 * cache entries are new) and puts the file back; counts what the builders built.
 */
function afterAChange(jest: string, env: Record<string, string> = {}): { measured: Measured; templates: number; fixtureModules: number } {
  const path = join(ROOT, CHANGED_CONSTRUCT);
  const original = readFileSync(path, 'utf8');
  const times = join(mkdtempSync(join(tmpdir(), 'bench-builders-')), 'times');
  try {
    progress(`npm test after a change to ${CHANGED_CONSTRUCT}`);
    writeFileSync(path, `${original}\n// npm run bench: a change, ${Date.now()}\n`);
    const measured = measure(`${jest} --silent`, { ...env, CI: 'true', ZTM_BUILDER_TIMES: times });
    const jobs = readFileSync(times, 'utf8').split('\n');
    const templates = jobs.filter((line) => / stages /.test(line)).reduce((n, line) => n + line.split(' ')[2].split(',').length, 0);
    return { measured, templates, fixtureModules: jobs.filter((line) => / fixtures /.test(line)).length };
  } finally {
    writeFileSync(path, original);
  }
}

function benchTests(): void {
  const jest = join(ROOT, 'node_modules', '.bin', 'jest');
  const { maxWorkers } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).jest;
  console.log(`\n\`npm test\` (jest, ${maxWorkers} workers, Node ${process.version}), target ≤ 10 s wall on 2 idle cores:`);
  rmSync(join(ROOT, '.jest-cache', 'synth'), { recursive: true, force: true });
  progress('npm test with an empty template cache');
  const cold = measure(`${jest} --silent`, { CI: 'true' });
  console.log(
    `  with an empty template cache (a fresh clone)                ${seconds(cold.wall).padStart(8)} wall, ${seconds(cold.cpu)} cpu`,
  );
  const warm = medianOf(
    Array.from({ length: RUNS }, (_, i) => {
      progress(`npm test with the cache, run ${i + 1} of ${RUNS}`);
      return measure(`${jest} --silent`, { CI: 'true' });
    }),
  );
  console.log(
    `  with the cache of unchanged sources (median of ${RUNS})             ${seconds(warm.wall).padStart(8)} wall, ${seconds(warm.cpu)} cpu`,
  );
  const change = (label: string, env: Record<string, string> = {}) => {
    const { measured, templates, fixtureModules } = afterAChange(jest, env);
    console.log(
      `  ${label.padEnd(59)} ${seconds(measured.wall).padStart(8)} wall, ${seconds(measured.cpu)} cpu` +
        ` (${templates} stage templates and ${fixtureModules} fixture modules built again)`,
    );
  };
  change(`after a change to ${CHANGED_CONSTRUCT}`);
  // Ten stages: four stand-ins synthesized and checked with every invariant (test/support/variants.ts).
  const tenStages = { ZTM_STAND_INS: '4' };
  measure(`${jest} --silent`, { ...tenStages, CI: 'true' }); // builds the stand-ins
  const warmTen = medianOf(Array.from({ length: RUNS }, () => measure(`${jest} --silent`, { ...tenStages, CI: 'true' })));
  console.log(
    `  ten stages (four stand-ins), unchanged sources (median of ${RUNS})  ${seconds(warmTen.wall).padStart(8)} wall, ${seconds(warmTen.cpu)} cpu`,
  );
  change('ten stages (four stand-ins), after the same change', tenStages);
}

function benchBundle(): void {
  console.log('\nDeployment verification Lambda (lambda/verify-deployment), bundled by esbuild:');
  for (const [label, external] of [
    ['AWS SDK from the runtime (chosen)', ['@aws-sdk/*']],
    ['AWS SDK bundled', []],
  ] as const) {
    progress(`bundling the Lambda, ${label}, and loading it ${Math.max(RUNS, 5)} times`);
    const outdir = mkdtempSync(join(tmpdir(), 'bench-bundle-'));
    const outfile = join(outdir, 'index.js');
    buildSync({
      entryPoints: [join(ROOT, 'lambda/verify-deployment/index.ts')],
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'cjs',
      minify: true,
      external: [...external],
      outfile,
      logLevel: 'silent',
    });
    // A fresh Node process per load, with the SDK resolvable as the runtime provides it.
    const loads = Array.from({ length: Math.max(RUNS, 5) }, () => {
      const out = spawnSync(
        process.execPath,
        ['-e', `const t=process.hrtime.bigint();require(${JSON.stringify(outfile)});console.log(Number(process.hrtime.bigint()-t)/1e6)`],
        {
          env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules'), AWS_REGION: 'us-east-1' },
          encoding: 'utf8',
        },
      );
      return Number(out.stdout.trim());
    });
    console.log(
      `  ${label.padEnd(36)} ${`${(statSync(outfile).size / 1024).toFixed(1)} KiB`.padStart(10)}   cold module load ${median(loads).toFixed(0)} ms`,
    );
    rmSync(outdir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  announceNodeVersion();
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')).packages;
  console.log(
    `zero-to-millions benchmark, ${new Date().toISOString()}: Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}, aws-cdk-lib ${lock['node_modules/aws-cdk-lib'].version}, aws-cdk ${lock['node_modules/aws-cdk'].version}`,
  );
  if (ONLY.has('synth')) benchSynth();
  if (ONLY.has('stages')) benchSynthStages();
  if (ONLY.has('tests')) benchTests();
  if (ONLY.has('bundle')) benchBundle();
  if (ONLY.has('service')) {
    progress('the workload service: starting the engines and the servers, then load in rounds (BENCH_VERBOSE=1 prints each sample)');
    try {
      await benchService();
    } catch (error) {
      console.log(`\nWorkload service throughput: skipped (${(error as Error).message})`);
    }
  }
  if (ONLY.has('capacity')) {
    progress('what a request costs each process: the engines, three servers, then load on each path');
    try {
      await benchCapacity(options.record === true);
    } catch (error) {
      console.log(`\nCapacity inputs: skipped (${(error as Error).message})`);
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
