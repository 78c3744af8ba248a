/**
 * The capacity model held to reality on this machine: stage 3's topology on loopback (N service
 * processes behind a balancer, one PostgreSQL), saturated by `zero-to-millions load`, against what
 * the model predicts for that topology.
 *
 * The prediction uses the model's own arithmetic (ceilingsOf) and its committed inputs for the parts
 * the stages are made of: the service's and PostgreSQL's CPU per request (inputs.json, measured by
 * the capacity bench in another run). The harness is not a stage, so its parts are measured in the
 * run: the balancer's and the load generator's CPU per request, and the CPU the machine's other
 * tenants used meanwhile (it is shared). Components: each service process's main thread (one core
 * each), the balancer's and the load generator's (one core each), and the machine's cores, which
 * they all share with PostgreSQL.
 *
 * Reality is read from /proc at the same time: each component's utilization at the rate reached. The
 * component the model names must be the most utilized.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { serviceBundle } from '../bundles';
import { freePort, scratchDirectory, startPostgres, storeEnvironment } from '../engines';
import { REPOSITORY } from '../source-hash';
import { CAPACITY_INPUTS, type CapacityInputs } from './inputs';
import { type Component, ceilingsOf, serviceDemand } from './model';
import { cpuNanoseconds, machineBusyNanoseconds, postgresProcesses } from './processes';

const MICROS = 1_000_000;

export interface LocalCheckOptions {
  /** Service processes behind the balancer. */
  readonly servers: number;
  /** Seconds of saturating load. */
  readonly seconds: number;
  readonly connections: number;
  readonly inputs?: CapacityInputs;
}

export interface LocalCheckResult {
  readonly servers: number;
  readonly readShare: number;
  /** Requests a second the model predicts, and the component it says saturates first. */
  readonly predicted: { readonly ceiling: number; readonly bottleneck: string; readonly components: { name: string; ceiling: number }[] };
  /** Requests a second reached, and each component's utilization meanwhile (1 = saturated). */
  readonly measured: {
    readonly ceiling: number;
    readonly utilization: Record<string, number>;
    readonly mostUtilized: string;
    readonly failed: number;
  };
  /** Measured in the run: the harness's CPU per request (µs) and the share of the machine other tenants used. */
  readonly harness: { readonly balancerMicros: number; readonly loadGeneratorMicros: number; readonly othersCores: number };
  /** The predicted ceiling over the measured one. */
  readonly ratio: number;
}

interface Started {
  readonly child: ChildProcess;
  readonly port: number;
}

/** A process on a port of its own that answers `path` once up. */
async function startProcess(args: string[], env: Record<string, string>, log: string, path: string): Promise<Started> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const fd = openSync(log, 'w');
    const child = spawn(process.execPath, args, {
      cwd: REPOSITORY,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...env,
        PORT: String(port),
      },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    for (let i = 0; i < 200 && child.exitCode === null; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}${path}`)).status < 500) return { child, port };
      } catch {
        // not yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    if (attempt >= 3) throw new Error(`${args.join(' ')} never answered ${path}: ${readFileSync(log, 'utf8').slice(-400)}`);
  }
}

/** The balancer: lib/engines.ts's TCP proxy, round robin over the servers, in a process of its own. */
const BALANCER = `require('tsx/cjs/api').register(); require('./lib/engines.ts').startTcpProxy(JSON.parse(process.env.UPSTREAMS), { port: Number(process.env.PORT) });`;

export async function localCheck(options: LocalCheckOptions): Promise<LocalCheckResult> {
  const inputs = options.inputs ?? CAPACITY_INPUTS;
  const readShare = inputs.assumptions.readShare;
  const postgres = await startPostgres();
  const logs = scratchDirectory('ztm-capacity-check-');
  const children: ChildProcess[] = [];
  try {
    const env = {
      ...storeEnvironment.postgresql(postgres),
      LISTEN_HOST: '127.0.0.1',
      STAGE: 'local-stage3',
    };
    const servers: Started[] = [];
    for (let i = 0; i < options.servers; i++) {
      const server = await startProcess([join(serviceBundle().directory, 'server.js')], env, join(logs, `service-${i}.log`), '/readyz');
      children.push(server.child);
      servers.push(server);
    }
    const balancer = await startProcess(
      ['-e', BALANCER],
      { UPSTREAMS: JSON.stringify(servers.map((s) => s.port)) },
      join(logs, 'balancer.log'),
      '/healthz',
    );
    children.push(balancer.child);

    // Warm up (JIT, pools), then the measured run: the load tool, far above any ceiling here, in one step.
    const load = (seconds: number) =>
      spawn(
        process.execPath,
        [
          join(REPOSITORY, 'bin', 'cli.js'),
          'load',
          `http://127.0.0.1:${balancer.port}`,
          '--rate',
          '100000',
          '--duration',
          String(seconds),
          '--steps',
          '1',
          '--connections',
          String(options.connections),
          '--seed',
          '200',
          '--read-share',
          String(readShare),
          '--json',
        ],
        { cwd: REPOSITORY, stdio: ['ignore', 'pipe', 'pipe'] },
      );
    await finished(load(2));
    const generator = load(options.seconds);
    children.push(generator);
    const pids = { services: servers.map((s) => s.child.pid!), balancer: balancer.child.pid! };
    // The load generator is read from its own report: it has exited when the run is read.
    const ours = () => [...pids.services, pids.balancer, ...postgresProcesses(postgres.dataDirectory)];
    // Measure from the step's start, which the load tool announces on stderr once it has seeded its items.
    await new Promise<void>((resolve, reject) => {
      let err = '';
      generator.stderr!.on('data', (d) => {
        err += d;
        if (err.includes('requests a second for')) resolve();
      });
      generator.once('exit', (code) => reject(new Error(`the load tool exited ${code} before its step: ${err.slice(-300)}`)));
    });
    const before = snapshot(pids, ours);
    const started = process.hrtime.bigint();
    const report = JSON.parse(await finished(generator));
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    const after = snapshot(pids, ours);
    const step = report.steps[0];
    const answered = Object.values(step.statuses as Record<string, number>).reduce((a, b) => a + b, 0);
    // The rate over the measured window: answers in the step spread over its own length, the window being most of it.
    const rate = step.reached as number;
    const requests = rate * elapsed;
    const cpu = (key: keyof Snapshot) => ((after[key] as number) - (before[key] as number)) / 1000; // µs
    const mainThreads = after.serviceMain.map((n, i) => (n - before.serviceMain[i]) / 1000);
    const generatorMicros = (step.clientCpuMicros as number) * (elapsed / (step.seconds as number));
    const oursMicros = cpu('ours') + generatorMicros;
    const othersCores = Math.max(0, (cpu('machine') - oursMicros) / MICROS / elapsed);
    const harness = {
      balancerMicros: cpu('balancer') / requests,
      loadGeneratorMicros: generatorMicros / requests,
      othersCores,
    };

    // The model: the service and PostgreSQL from inputs.json, the harness as measured.
    const main = serviceDemand('postgresql', 0, 'mainThread', inputs);
    const all = serviceDemand('postgresql', 0, 'all', inputs);
    const pg = inputs.measured.postgresMicros;
    const cores = cpus().length;
    const components: Component[] = [
      {
        name: `${options.servers} service process${options.servers === 1 ? '' : 'es'} (main threads)`,
        resource: 'services',
        capacity: options.servers * MICROS,
        unit: 'µs of main thread',
        perRead: main.read,
        perWrite: main.write,
        basis: 'inputs.json',
      },
      {
        name: 'balancer (one thread)',
        resource: 'balancer',
        capacity: MICROS,
        unit: 'µs',
        perRead: harness.balancerMicros,
        perWrite: harness.balancerMicros,
        basis: 'measured in the run',
      },
      {
        name: 'load generator (one thread)',
        resource: 'generator',
        capacity: MICROS,
        unit: 'µs',
        perRead: harness.loadGeneratorMicros,
        perWrite: harness.loadGeneratorMicros,
        basis: 'measured in the run',
      },
      {
        name: `machine: ${cores} cores shared`,
        resource: 'machine',
        capacity: (cores - othersCores) * MICROS,
        unit: 'CPU µs',
        perRead: all.read + pg.read + harness.balancerMicros + harness.loadGeneratorMicros,
        perWrite: all.write + pg.write + harness.balancerMicros + harness.loadGeneratorMicros,
        basis: 'inputs.json and the run',
      },
    ];
    const model = ceilingsOf(components, readShare, inputs);
    const utilization: Record<string, number> = {
      [components[0].name]: Math.max(...mainThreads) / MICROS / elapsed,
      [components[1].name]: cpu('balancerMain') / MICROS / elapsed,
      // All its threads: an upper bound of its main thread's.
      [components[2].name]: step.clientCores as number,
      [components[3].name]: cpu('machine') / MICROS / elapsed / cores,
    };
    const mostUtilized = Object.entries(utilization).reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    const failed =
      (step.errors +
        step.timeouts +
        step.unanswered +
        Object.entries(step.statuses as Record<string, number>)
          .filter(([c]) => c.startsWith('5'))
          .reduce((n, [, c]) => n + c, 0)) /
      Math.max(1, answered);
    return {
      servers: options.servers,
      readShare,
      predicted: {
        ceiling: model.ceiling.mixed,
        bottleneck: model.bottleneck.mixed,
        components: model.components.map((c) => ({ name: c.name, ceiling: c.ceiling.mixed })),
      },
      measured: { ceiling: rate, utilization, mostUtilized, failed },
      harness,
      ratio: model.ceiling.mixed / rate,
    };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    postgres.destroy();
    rmSync(logs, { recursive: true, force: true });
  }
}

interface Snapshot {
  readonly serviceMain: number[];
  readonly balancer: number;
  readonly balancerMain: number;
  readonly ours: number;
  readonly machine: number;
}

function snapshot(pids: { services: number[]; balancer: number }, ours: () => number[]): Snapshot {
  return {
    serviceMain: pids.services.map((pid) => cpuNanoseconds(pid, true)),
    balancer: cpuNanoseconds(pids.balancer),
    balancerMain: cpuNanoseconds(pids.balancer, true),
    ours: ours().reduce((sum, pid) => sum + cpuNanoseconds(pid), 0),
    machine: machineBusyNanoseconds(),
  };
}

/** The stdout of a child once it exits 0. */
function finished(child: ChildProcess): Promise<string> {
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${child.spawnargs.slice(1, 4).join(' ')} exited ${code}: ${out.slice(-300)}`)),
    ),
  );
}

/** The check as lines of figures. */
export function checkLines(r: LocalCheckResult): string[] {
  const pct = (n: number) => `${(100 * n).toFixed(0)} %`;
  return [
    `${r.servers} service process${r.servers === 1 ? '' : 'es'} behind a balancer, PostgreSQL, ${Math.round(100 * r.readShare)} % reads: predicted ${Math.round(r.predicted.ceiling)} req/s (${r.predicted.bottleneck}), measured ${Math.round(r.measured.ceiling)} req/s: predicted ÷ measured ${r.ratio.toFixed(2)}`,
    `  predicted per component: ${r.predicted.components.map((c) => `${c.name} ${Math.round(c.ceiling)}`).join('; ')}`,
    `  utilization at the measured rate: ${Object.entries(r.measured.utilization)
      .map(([name, u]) => `${name} ${pct(u)}`)
      .join('; ')}; most utilized: ${r.measured.mostUtilized}`,
    `  harness, measured in the run: balancer ${r.harness.balancerMicros.toFixed(1)} µs/req, load generator ${r.harness.loadGeneratorMicros.toFixed(1)} µs/req; other tenants ${r.harness.othersCores.toFixed(2)} cores; failed ${pct(r.measured.failed)}`,
  ];
}
