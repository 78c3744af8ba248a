/**
 * The project's command-line tools, each with its options: what `zero-to-millions --help` lists,
 * what each tool's `--help` prints (./cli.ts), and what `zero-to-millions <tool>` runs. The same
 * tools run as `npm run <tool>`; the package bin (bin/cli.js) is the form whose output is only the
 * tool's own, so `npx zero-to-millions compare --json` is JSON and nothing else.
 */

import type { ToolSpec } from './cli';
import { STAGE_NUMBERS } from './config/stages';
import { SESSION_STORES } from './data-contract';

export const BENCH_SECTIONS = ['synth', 'stages', 'tests', 'bundle', 'service'] as const;

export const TOOLS = {
  compare: {
    name: 'compare',
    title: 'the stages side by side: request path, single points of failure, cost (--json for machines)',
    summary:
      'Compares the stage stacks from their synthesized templates: request path, single points of failure, scaling, exposure and estimated monthly cost line by line, and what changes from one stage to the next. Runs `cdk synth` (offline) first when cdk.out is missing, stale or from another configuration. It only reads, unless given --write.',
    entry: 'bin/compare.ts',
    positional: { name: 'stage', allowed: STAGE_NUMBERS.map(String), description: 'only these stages' },
    options: [
      { name: '--json', description: 'the same facts as JSON on stdout, and nothing else there' },
      { name: '--write', description: "rewrite docs/stages.md and the README's excerpt of it (all stages, cdk.json's configuration)" },
      { name: '--check', description: 'exit 1 when docs/stages.md or its README excerpt is stale (CI)' },
    ],
    context: true,
    notes: [
      'Examples:',
      '  zero-to-millions compare 2 3',
      '  zero-to-millions compare --json | jq .steps',
      '  zero-to-millions compare -c webTier=ecs -c dataStore=dynamodb',
    ],
  },
  preflight: {
    name: 'preflight',
    title: 'what would make a deploy fail, checked with your AWS credentials',
    summary:
      "Checks, with your AWS credentials and before any deploy, what would make a deploy fail: placeholders left in the configuration, the hosted zone and the domain's delegation, the stage's record name, the snapshot or table it takes its data from, the CDK bootstrap and the API name at CloudFront; then prints what `cdk deploy` would create. Exit 0 when nothing blocks a deploy, 1 when something does (one line each, with its fix).",
    entry: 'bin/preflight.ts',
    options: [],
    context: true,
  },
  local: {
    name: 'local',
    title: 'the service on real local engines, on 127.0.0.1, until Ctrl-C',
    summary:
      'Runs the service on 127.0.0.1 against real local engines (a throwaway PostgreSQL or dynalite, and Redis), behind one origin that serves the page at /web/ as the CDN does. However it ends (Ctrl-C, a signal to npm or to it, the terminal closing, an error), it stops the engines and removes their files.',
    entry: 'scripts/local.ts',
    options: [
      {
        name: '--store',
        value: 'STORE',
        allowed: ['postgresql', 'dynamodb'],
        description: 'where items live',
        defaultInWords: 'postgresql',
      },
      { name: '--sessions', value: 'STORE', allowed: SESSION_STORES, description: 'where sessions live', defaultInWords: 'memory' },
      {
        name: '--port',
        value: 'N',
        accepts: { test: (v) => /^[1-9]\d*$/.test(v) && Number(v) <= 65535, allowed: 'a port number from 1 to 65535' },
        description: 'the port of the page and the API on 127.0.0.1',
        defaultInWords: '8080',
      },
    ],
  },
  bench: {
    name: 'bench',
    title: 'speed and size figures, each beside what it is compared against',
    summary:
      'Speed and size figures, each printed beside what it is compared against: cdk synth against a one-resource app, npm test cold and warm, the Lambda bundle, the service throughput. Progress goes to stderr, figures to stdout.',
    entry: 'scripts/bench.ts',
    options: [
      {
        name: '--runs',
        value: 'N',
        accepts: { test: (v) => /^[1-9]\d*$/.test(v), allowed: 'a whole number from 1' },
        description: 'runs per figure (the median is printed)',
        defaultInWords: '3',
      },
      {
        name: '--only',
        value: 'SECTIONS',
        accepts: {
          test: (v) => v.split(',').every((s) => (BENCH_SECTIONS as readonly string[]).includes(s)),
          allowed: `a comma-separated list of ${BENCH_SECTIONS.join(', ')}`,
        },
        description: 'only these sections',
        defaultInWords: 'all of them',
      },
    ],
  },
  docs: {
    name: 'docs',
    title: 'regenerate the configuration table of docs/configuration.md',
    summary: 'Regenerates the configuration table of docs/configuration.md from the configuration schema (lib/config/schema.ts).',
    entry: 'scripts/docs.ts',
    options: [],
  },
  'instance-sizes': {
    name: 'instance-sizes',
    title: 'regenerate lib/config/instance-sizes.ts after upgrading aws-cdk-lib',
    summary:
      'Regenerates lib/config/instance-sizes.ts (which sizes each instance family offers, for EC2 and RDS PostgreSQL) from the CloudFormation validation data in aws-cdk-lib, offline. Run it after upgrading aws-cdk-lib.',
    entry: 'scripts/instance-sizes.ts',
    options: [],
  },
} as const satisfies Record<string, ToolSpec>;

export type ToolName = keyof typeof TOOLS;
