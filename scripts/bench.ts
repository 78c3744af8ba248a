/**
 * npm run bench [-- --runs N] [-- --only synth,tests,bundle,service]
 *
 * Speed and size figures, printed with what each is compared against, never asserted:
 * - `cdk synth` of every stage (validation and cdk-nag on) against the same CLI synthesizing a
 *   one-resource app, side by side in one run, in CPU time of the whole process tree;
 * - the same two with Node's default WebAssembly compilation, to show what SYNTH_NODE_OPTIONS saves;
 * - `npm test`, once with an empty template cache (as after a change to lib/) and once warm, against
 *   its 10 s budget;
 * - the verification Lambda's bundle size and cold module load, with the AWS SDK bundled or not;
 * - the workload service's throughput (scripts/bench-service.ts).
 * Each figure is a median of --runs runs (default 3); the machine is shared, so compare ratios from
 * one run, not absolute times from different runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildSync } from 'esbuild';
import { announceNodeVersion } from '../lib/node-version';
import { SYNTH_NODE_OPTIONS } from '../lib/synth';
import { benchService } from './bench-service';

const ROOT = join(__dirname, '..');
const argument = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const RUNS = Number(argument('--runs') ?? 3);
const ONLY = new Set((argument('--only') ?? 'synth,tests,bundle,service').split(','));

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

/** A CDK app with one resource, in plain JavaScript: what the project's app is once compiled (bin/app.js). */
const FLOOR_APP = `const { App, CfnResource, Stack } = require('aws-cdk-lib');
const app = new App();
new CfnResource(new Stack(app, 'Floor', { env: { account: '123456789012', region: 'us-east-1' } }), 'Topic', { type: 'AWS::SNS::Topic' });
app.synth();
`;

function benchSynth(): void {
  // Inside the project, so it resolves aws-cdk-lib exactly as the project's app does.
  const floor = join(ROOT, 'node_modules', '.cache', 'zero-to-millions', 'bench-floor-app.js');
  mkdirSync(dirname(floor), { recursive: true });
  writeFileSync(floor, FLOOR_APP);
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
  console.log('app command                                             one-resource app   every stage   ratio (target ≤ 1.5)');
  try {
    // Compiles the app once (bin/app.js caches it), so no run below pays for it.
    measure(synth(variants[0][2], ''));
    for (const [label, floorLauncher, appCommand] of variants) {
      const floorRuns: Measured[] = [];
      const fullRuns: Measured[] = [];
      for (let i = 0; i < RUNS; i++) {
        // Side by side, alternating, so both see the same machine.
        floorRuns.push(measure(synth(floorLauncher, floor)));
        fullRuns.push(measure(synth(appCommand, '')));
      }
      const [f, a] = [medianOf(floorRuns), medianOf(fullRuns)];
      console.log(
        `${label.padEnd(54)}  ${`${seconds(f.cpu)} cpu`.padStart(16)}   ${`${seconds(a.cpu)} cpu`.padStart(11)}   ${(a.cpu / f.cpu).toFixed(2)}×`,
      );
    }
  } finally {
    rmSync(floor, { force: true });
  }
}

function benchTests(): void {
  const jest = join(ROOT, 'node_modules', '.bin', 'jest');
  console.log('\n`npm test` (jest, 2 workers), target ≤ 10 s wall on 2 idle cores:');
  rmSync(join(ROOT, '.jest-cache', 'synth'), { recursive: true, force: true });
  const cold = measure(`${jest} --silent`, { CI: 'true' });
  console.log(
    `  with an empty template cache (as after a change to lib/)   ${seconds(cold.wall).padStart(8)} wall, ${seconds(cold.cpu)} cpu`,
  );
  const warm = medianOf(Array.from({ length: RUNS }, () => measure(`${jest} --silent`, { CI: 'true' })));
  console.log(
    `  with the cache of unchanged sources (median of ${RUNS})             ${seconds(warm.wall).padStart(8)} wall, ${seconds(warm.cpu)} cpu`,
  );
}

function benchBundle(): void {
  console.log('\nDeployment verification Lambda (lambda/verify-deployment), bundled by esbuild:');
  for (const [label, external] of [
    ['AWS SDK from the runtime (chosen)', ['@aws-sdk/*']],
    ['AWS SDK bundled', []],
  ] as const) {
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
  if (ONLY.has('tests')) benchTests();
  if (ONLY.has('bundle')) benchBundle();
  if (ONLY.has('service')) {
    try {
      await benchService();
    } catch (error) {
      console.log(`\nWorkload service throughput: skipped (${(error as Error).message})`);
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
