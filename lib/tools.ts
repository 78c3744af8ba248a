/**
 * The project's command-line tools, each with its options: what `zero-to-millions --help` lists,
 * what each tool's `--help` prints (./cli.ts), and what `zero-to-millions <tool>` runs. The same
 * tools run as `npm run <tool>`; the package bin (bin/cli.js) is the form whose output is only the
 * tool's own, so `npx zero-to-millions compare --json` is JSON and nothing else.
 */

import type { ToolSpec } from './cli';
import { STAGE_NUMBERS } from './config/stages';
import { SESSION_STORES } from './data-contract';
import { LOAD_LIMITS } from './load/run';

/** A whole number from `low` to `high`, as an option's value. */
const wholeNumber = (low: number, high: number) => ({
  test: (v: string) => /^\d+$/.test(v) && Number(v) >= low && Number(v) <= high,
  allowed: `a whole number from ${low} to ${high.toLocaleString('en-US')}`,
});

/** An http(s) URL of a host alone: `https://api.example.com`, `http://127.0.0.1:8080/`. */
function isBaseUrl(value: string): boolean {
  if (!/^https?:\/\/[^/?#\s]+\/?$/.test(value)) return false;
  try {
    const url = new URL(value);
    return url.username === '' && url.password === '' && url.pathname === '/' && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}

export const BENCH_SECTIONS = ['synth', 'stages', 'tests', 'bundle', 'service', 'capacity'] as const;

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
  integ: {
    name: 'integ',
    title: 'deploy one stage in your account under its own name, prove it from outside, destroy it',
    summary:
      "Deploys one stage in your AWS account under its own names (stacks Integ-<id>-*, the record integ-<id>.<domainName>, weight 0, no deletion protection), so it never touches a live stage; proves from outside what the stage promises (its assertions during the deploy, then the drills: the caches, the firewall's rate limit, a server terminated, a failover); and destroys everything it created, retained data included, also after a failure or Ctrl-C. It prints the plan first (stacks, regions, cost an hour, expected times) and asks before creating anything. Exit 0 when the stage was deployed, proven and destroyed with nothing left; 1 when a proof failed or something is left (printed with the command that removes it); 2 when nothing was created (no credentials, a preflight problem, no yes); 130 after Ctrl-C.",
    entry: 'bin/integ.ts',
    positional: { name: 'stage', allowed: STAGE_NUMBERS.map(String), one: true, description: 'the stage to test' },
    options: [
      { name: '--dry-run', description: 'print the plan and stop: no credentials needed, nothing created' },
      { name: '--yes', description: 'deploy without asking (the plan is still printed)' },
      {
        name: '--destroy',
        value: 'ID',
        accepts: {
          test: (v) => /^[a-z][a-z0-9]{5}$/.test(v),
          allowed: "a deploy test's id: six lower-case letters and digits, a letter first",
        },
        description: 'destroy what the deploy test ID left (its stacks and their retained data), with the same stage and -c as its run',
      },
    ],
    context: true,
    notes: [
      'Examples:',
      '  zero-to-millions integ 3 --dry-run',
      '  zero-to-millions integ 4 -c dataStore=rds -c readReplicas=2',
      '  zero-to-millions integ 5 --destroy k3x9qa',
    ],
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
  load: {
    name: 'load',
    title: "load a running stage: throughput, latency and errors by step, beside the model's ceiling",
    summary:
      "Loads a running stage (deployed, or `npm run local`) with item reads and writes at a stated mix, in steps that ramp up to --rate, and reports each step: the rate reached, latency percentiles, answers by status and requests with no answer; then the rate sustained with under 1 % failed, and the capacity model's ceiling for that stage (compare, in the same configuration) beside it. It writes items, as users would. Bounded: each step sends at most its rate for its seconds (at least one), and ends at its deadline whatever the target does. Exit 0 when the run completed and its first step had under 1 % failed; 1 when the target failed from the first step or never answered.",
    entry: 'bin/load.ts',
    positional: {
      name: 'url',
      one: true,
      accepts: {
        test: isBaseUrl,
        allowed: "the API's base URL, http:// or https:// and a host (and a port), with no path, query or credentials",
      },
      description: 'the stage to load',
    },
    options: [
      {
        name: '--rate',
        value: 'N',
        accepts: wholeNumber(1, LOAD_LIMITS.rate),
        description: 'requests a second at the last step',
        defaultInWords: '100',
      },
      {
        name: '--duration',
        value: 'S',
        accepts: wholeNumber(1, LOAD_LIMITS.durationSeconds),
        description: 'seconds of the whole ramp',
        defaultInWords: '30',
      },
      {
        name: '--steps',
        value: 'N',
        accepts: wholeNumber(1, LOAD_LIMITS.steps),
        description: 'steps of the ramp, evenly up to --rate',
        defaultInWords: '5',
      },
      {
        name: '--connections',
        value: 'N',
        accepts: wholeNumber(1, LOAD_LIMITS.connections),
        description: 'connections at most (keep-alive)',
        defaultInWords: '50',
      },
      {
        name: '--read-share',
        value: 'F',
        accepts: { test: (v) => /^(0(\.\d+)?|1(\.0+)?)$/.test(v), allowed: 'a fraction from 0 to 1, such as 0.9' },
        description: 'the share of requests that read an item; the others write one',
        defaultInWords: "the model's, 0.9",
      },
      {
        name: '--seed',
        value: 'N',
        accepts: wholeNumber(1, LOAD_LIMITS.seed),
        description: 'items written before the ramp, for the reads',
        defaultInWords: '100',
      },
      {
        name: '--stage',
        value: 'N',
        allowed: STAGE_NUMBERS.map(String),
        description: 'the stage whose model to set the run against',
        defaultInWords: 'the stage the target names in GET /',
      },
      { name: '--json', description: 'the report as JSON on stdout, and nothing else there' },
    ],
    context: true,
    notes: [
      'Examples:',
      '  zero-to-millions load https://api.example.com --rate 2000 --duration 120 --steps 8',
      '  zero-to-millions load http://127.0.0.1:8080 --rate 500 --duration 10',
      'From stage 5 the firewall answers 429 to one address above wafRateLimit requests in 5 minutes: one machine cannot find the ceiling there.',
    ],
  },
  bench: {
    name: 'bench',
    title: 'speed and size figures, each beside what it is compared against',
    summary:
      "Speed and size figures, each printed beside what it is compared against: cdk synth against a one-resource app, npm test cold and warm, the Lambda bundle, the service throughput, and what one request costs each process (the capacity model's measured inputs). Progress goes to stderr, figures to stdout.",
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
      {
        name: '--record',
        description: "write the capacity section's figures into lib/capacity/inputs.json, with the date and the machine",
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
