#!/usr/bin/env node
/**
 * zero-to-millions integ <stage> [--dry-run] [--yes] [--destroy ID] [-c key=value ...] (or npm run
 * integ -- ...): deploys one stage in the user's account under its own names, proves it from
 * outside and destroys everything it created (lib/integ/runner.ts says in what order, and what
 * happens on a failure or Ctrl-C). This file only wires the real clients to it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type ParsedArguments, runTool, UsageError } from '../lib/cli';
import { cdkJsonContext } from '../lib/config/context';
import { stageNumberOf } from '../lib/config/stages';
import { synthIntegApp } from '../lib/integ/app';
import { awsSweep, drillProofs, physicalIdsOf, regionClients } from '../lib/integ/aws';
import { integIdentity } from '../lib/integ/identity';
import { planOf } from '../lib/integ/plan';
import { destroyIntegTest, type RunnerDeps, runIntegTest } from '../lib/integ/runner';
import { toolkitPort } from '../lib/integ/toolkit';
import { announceNodeVersion } from '../lib/node-version';
import { preflight } from '../lib/preflight';
import { preflightClients } from '../lib/preflight/clients';
import { TOOLS } from '../lib/tools';

async function main({ positional, options, context }: ParsedArguments): Promise<number> {
  announceNodeVersion();
  if (positional.length !== 1)
    throw new UsageError(`integ tests one stage at a time; got ${positional.length ? positional.join(', ') : 'none'}`);
  const stage = stageNumberOf(positional[0])!;
  const dryRun = options['dry-run'] === true;
  const identity = integIdentity(typeof options.destroy === 'string' ? options.destroy : undefined);

  // The assembly lives as long as the run: the toolkit deploys and destroys from it; nothing is left in the temp directory.
  const outdir = mkdtempSync(join(tmpdir(), 'ztm-integ-'));
  try {
    const integ = synthIntegApp(stage, identity, cdkJsonContext(), context, { outdir, bundling: !dryRun, validation: true });
    const { config } = integ;
    const out = (line: string) => process.stdout.write(`${line}\n`);
    const stacks = integ.planned.map((s) => ({ stackName: s.stackName, region: s.region }));
    const stageStackName = integ.stage.stackName;
    const clients = regionClients();
    const interruption = { interrupted: false };
    let interrupts = 0;
    const deps: RunnerDeps = {
      stage,
      identity,
      plan: planOf(integ.planned),
      stacks,
      stageStackName,
      assertions: integ.proofs,
      account: config.account,
      credentials: () => credentialsIn(config.region),
      preflight: async () => (await preflight(config, preflightClients(config))).problems,
      confirm,
      toolkit: toolkitPort(integ.directory, integ.planned, out),
      sweep: awsSweep(stacks, clients),
      proofs: drillProofs(stage, config, interruption),
      stageUnderTest: (outputs) => ({
        stage,
        config,
        url: outputs[stageStackName].Url,
        stacks,
        physicalIds: (type) => physicalIdsOf({ stackName: stageStackName, region: config.region }, type, clients),
      }),
      out,
      now: Date.now,
      interrupts: {
        onInterrupt: (handler) => {
          for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
            process.on(signal, () => {
              interruption.interrupted = true;
              handler(++interrupts);
            });
        },
      },
      exit: (code) => {
        rmSync(outdir, { recursive: true, force: true });
        return process.exit(code);
      },
    };
    if (typeof options.destroy === 'string') return await destroyIntegTest(deps);
    return await runIntegTest(deps, { dryRun, yes: options.yes === true });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The account of the credentials the SDK finds, or why it finds none (one line). */
async function credentialsIn(region: string): Promise<{ account: string } | { missing: string }> {
  try {
    const { Account } = await new STSClient({ region, maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
    return Account ? { account: Account } : { missing: 'STS named no account' };
  } catch (error) {
    const e = error as Error;
    return { missing: `${e.name}: ${e.message.split('\n')[0]}` };
  }
}

/** Asks on the terminal; without one it does not guess. */
async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    process.stdout.write(`${question} Not asked: stdin is not a terminal. Run with --yes to deploy without asking.\n`);
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

runTool(TOOLS.integ, main);
