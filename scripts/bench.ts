/**
 * Speed and size figures, printed, never asserted: the test suite's wall time, synth time per stage
 * (bare, with CloudFormation validation, with validation and cdk-nag), the full `cdk synth` as CI
 * runs it, and the size of each stage's template.
 *
 * Usage: npm run bench [-- --runs N]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildSync } from 'esbuild';
import { buildApp } from '../lib/app';
import { STAGE_NUMBERS, STAGES } from '../lib/config';
import { cdkJsonContext } from '../lib/config/context';
import { ACCEPTANCE_RUNS, FUZZ_SEED, REJECTION_RUNS } from '../test/support/config-arbitraries';
import { INVARIANTS } from '../test/support/invariants';
import { MATRIX, synthChecked } from '../test/support/matrix';
import { benchService } from './bench-service';

const root = join(__dirname, '..');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const context = cdkJsonContext();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (n: number) => `${n.toFixed(0)} ms`;

function timeCommand(command: string, args: string[], env: Record<string, string> = {}): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: root, stdio: 'ignore', env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Synthesizes one stage in this process; the validation engine loads once per process, as in CI. */
function synthOnce(stage: number, checks: 'none' | 'validation' | 'validation+nag'): { ms: number; bytes: number; resources: number } {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-'));
  const silence = console.error;
  console.error = () => undefined; // the placeholder warning, once per synth
  try {
    const start = process.hrtime.bigint();
    // As the tests do: Lambda bundling (esbuild) is left out; the full `cdk synth` below includes it.
    const app = new App({ context: { ...context, stages: String(stage), 'aws:cdk:bundling-stacks': [] }, outdir, builtinCloudFormationValidation: checks !== 'none' });
    buildApp(app, { nag: checks === 'validation+nag' });
    const assembly = app.synth();
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    const template = readFileSync(join(outdir, assembly.stacks[0].templateFile), 'utf8');
    return { ms: elapsed, bytes: Buffer.byteLength(template), resources: Object.keys(JSON.parse(template).Resources).length };
  } finally {
    console.error = silence;
    rmSync(outdir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`zero-to-millions benchmark (${runs} runs each, median; ${new Date().toISOString()})\n`);

  console.log('Synth of one stage in-process (default configuration):');
  console.log('stage                  resources  template  bare      +validation  +validation+nag');
  synthOnce(1, 'validation+nag'); // warm-up: module loading and the validation engine's first start
  for (const stage of STAGE_NUMBERS) {
    const row = (['none', 'validation', 'validation+nag'] as const).map((checks) => median(Array.from({ length: runs }, () => synthOnce(stage, checks).ms)));
    const { bytes, resources } = synthOnce(stage, 'none');
    console.log(
      `${STAGES[stage].stackName.padEnd(22)} ${String(resources).padStart(9)}  ${`${(bytes / 1024).toFixed(1)} KiB`.padStart(8)}  ${ms(row[0]).padEnd(8)}  ${ms(row[1]).padEnd(11)}  ${ms(row[2])}`,
    );
  }

  console.log('\nInvariants over every stage x option combination (test/invariants-*.test.ts, test/config-fuzz.test.ts):');
  {
    const start = process.hrtime.bigint();
    let violations = 0;
    let findings = 0;
    for (const { stage, overrides } of MATRIX) {
      const subject = synthChecked(stage, overrides);
      violations += INVARIANTS.reduce((n, invariant) => n + invariant.check(subject).length, 0);
      findings += subject.findings.length;
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    console.log(`combinations checked:              ${MATRIX.length} (${seconds.toFixed(1)} s, ${((seconds * 1000) / MATRIX.length).toFixed(0)} ms each)`);
    console.log(`invariants per combination:        ${INVARIANTS.length}, plus CloudFormation validation and cdk-nag`);
    console.log(`invariant violations:              ${violations}`);
    console.log(`unacknowledged findings:           ${findings} (must be 0)`);
    console.log(`fuzz cases per npm test:           ${REJECTION_RUNS} rejected + ${REJECTION_RUNS} accepted configurations, ${ACCEPTANCE_RUNS} of them synthesized and checked (seed ${FUZZ_SEED})`);
  }

  console.log('\nDeployment verification Lambda (lambda/verify-deployment), bundled by esbuild as NodejsFunction does:');
  for (const [label, external] of [['AWS SDK from the runtime (chosen)', ['@aws-sdk/*']], ['AWS SDK bundled', []]] as const) {
    const outdir = mkdtempSync(join(tmpdir(), 'bench-bundle-'));
    const outfile = join(outdir, 'index.js');
    buildSync({ entryPoints: [join(root, 'lambda/verify-deployment/index.ts')], bundle: true, platform: 'node', target: 'node24', format: 'cjs', minify: true, external: [...external], outfile, logLevel: 'silent' });
    // A fresh Node process per load, with the SDK resolvable as the runtime provides it.
    const loads = Array.from({ length: runs }, () => {
      const out = spawnSync(process.execPath, ['-e', `const t=process.hrtime.bigint();require(${JSON.stringify(outfile)});console.log(Number(process.hrtime.bigint()-t)/1e6)`], {
        env: { ...process.env, NODE_PATH: join(root, 'node_modules'), AWS_REGION: 'us-east-1' },
        encoding: 'utf8',
      });
      return Number(out.stdout.trim());
    });
    console.log(`${label.padEnd(36)} ${`${(statSync(outfile).size / 1024).toFixed(1)} KiB`.padStart(10)}   cold module load ${ms(median(loads))}`);
    rmSync(outdir, { recursive: true, force: true });
  }

  try {
    await benchService();
  } catch (error) {
    console.log(`\nWorkload service throughput: skipped (${(error as Error).message})`);
  }

  const cliRuns = Math.max(1, Math.min(runs, 3));
  const cli = median(Array.from({ length: cliRuns }, () => timeCommand(join(root, 'node_modules/.bin/cdk'), ['synth', '--quiet', '-o', mkdtempSync(join(tmpdir(), 'bench-cli-'))])));
  console.log(`\nFull \`cdk synth\` of every stage, validation and cdk-nag on (new process, ${cliRuns} runs): ${ms(cli)}`);

  const jest = median(Array.from({ length: cliRuns }, () => timeCommand(join(root, 'node_modules/.bin/jest'), ['--silent'], { CI: 'true' })));
  console.log(`\`npm test\` wall time (${cliRuns} runs): ${(jest / 1000).toFixed(1)} s`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
