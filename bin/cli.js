#!/usr/bin/env node
/**
 * The package's command: `npx zero-to-millions <tool> [arguments]` runs one of the project's tools
 * (lib/tools.ts) in this process, its TypeScript loaded through tsx's require hook, so it needs no
 * build step after `npm ci` and no TypeScript support from Node. Unlike `npm run <tool>`, nothing
 * but the tool writes to stdout: `npx zero-to-millions compare --json` is JSON only. The npm
 * scripts run the tools through it too, with `exec`, so a signal npm forwards reaches the tool.
 */
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
require('tsx/cjs/api').register();
const { TOOLS } = require(join(ROOT, 'lib', 'tools.ts'));
const { exitAfterOutput, helpText, parseArguments, usageProblem, wantsHelp } = require(join(ROOT, 'lib', 'cli.ts'));

const usage = () => {
  const width = Math.max(...Object.keys(TOOLS).map((name) => name.length));
  return [
    'Usage: zero-to-millions <tool> [arguments]',
    '   or: npm run <tool> -- [arguments]',
    '',
    'The tools of zero-to-millions, the "scale from zero to millions of users" journey as AWS CDK stacks:',
    '',
    ...Object.values(TOOLS).map((tool) => `  ${tool.name.padEnd(width)}  ${tool.title}`),
    '',
    '`zero-to-millions <tool> --help` prints what a tool does and its options. Deploying is `npx cdk deploy`.',
    '',
  ].join('\n');
};

const [name, ...rest] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
  (name === undefined ? process.stderr : process.stdout).write(usage());
  exitAfterOutput(name === undefined ? 2 : 0);
} else if (!Object.hasOwn(TOOLS, name)) {
  process.stderr.write(`zero-to-millions: unknown tool ${JSON.stringify(name)}; the tools are ${Object.keys(TOOLS).join(', ')}\n`);
  process.stderr.write('Run `zero-to-millions --help` for what each does.\n');
  exitAfterOutput(2);
} else {
  const tool = TOOLS[name];
  // Help and a command line the tool cannot take are answered here, before the tool loads what it needs (the CDK: seconds).
  let problem;
  if (!wantsHelp(rest)) {
    try {
      parseArguments(tool, rest);
    } catch (error) {
      problem = error.message;
    }
  }
  if (wantsHelp(rest)) {
    process.stdout.write(helpText(tool));
    exitAfterOutput(0);
  } else if (problem !== undefined) {
    process.stderr.write(usageProblem(tool, problem));
    exitAfterOutput(2);
  } else {
    // The tool reads its own arguments from process.argv, as when it runs on its own.
    const entry = join(ROOT, tool.entry);
    process.argv = [process.argv[0], entry, ...rest];
    require(entry);
  }
}
