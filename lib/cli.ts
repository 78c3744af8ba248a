/**
 * How the project's command-line tools read their arguments and end. Every tool answers `--help`
 * (or `-h`) with its usage and options on stdout, exit 0; an argument it does not know is an error
 * that names it, on stderr, exit 2; a failure of the tool itself exits 1. The tools are listed, with
 * their options, in ./tools.ts.
 */
import { writeSync } from 'node:fs';
import { contextFlags } from './config/context';

export interface ToolOption {
  /** `--json`, `--port`. */
  readonly name: `--${string}`;
  /** What the option's value is, for options that take one (`N`, `postgresql|dynamodb`); a flag has none. */
  readonly value?: string;
  /** The values allowed, when they are a fixed list. */
  readonly allowed?: readonly string[];
  /** Otherwise, which values it takes, and how to say so (`a whole number from 1 to 65535`). */
  readonly accepts?: { readonly test: (value: string) => boolean; readonly allowed: string };
  readonly description: string;
  /** The default, in words, for options that take a value. */
  readonly defaultInWords?: string;
}

export interface ToolSpec {
  /** The tool's name: `zero-to-millions <name>`, `npm run <name>`. */
  readonly name: string;
  /** A few words: what the tool is for, as `zero-to-millions --help` lists it. */
  readonly title: string;
  /** What the tool does, as its `--help` says it. */
  readonly summary: string;
  /** The script that runs it, relative to the repository. */
  readonly entry: string;
  readonly options: readonly ToolOption[];
  /** Positional arguments it takes, if any: their name in the usage line, and which are allowed. */
  readonly positional?: {
    readonly name: string;
    /** The values allowed, when they are a fixed list; otherwise `accepts` says which it takes. */
    readonly allowed?: readonly string[];
    readonly accepts?: { readonly test: (value: string) => boolean; readonly allowed: string };
    /** Whether the tool takes exactly one (its usage line shows `<name>`, not `[name...]`). */
    readonly one?: boolean;
    readonly description: string;
  };
  /** Whether it takes `-c key=value` (`--context key=value`), as `cdk synth` does. */
  readonly context?: boolean;
  /** Examples and remarks printed after the options. */
  readonly notes?: readonly string[];
}

export interface ParsedArguments {
  /** Each option given, by name without the dashes: a flag is `true`, an option with a value its value. */
  readonly options: Readonly<Record<string, string | true>>;
  readonly positional: readonly string[];
  readonly context: Readonly<Record<string, string>>;
}

/** A command line the tool cannot run: the message names the argument. Exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const wantsHelp = (argv: readonly string[]) => argv.includes('--help') || argv.includes('-h');

/** Reads `argv` against the tool's options; throws a UsageError naming the first argument it cannot take. */
export function parseArguments(spec: ToolSpec, argv: readonly string[]): ParsedArguments {
  let rest: string[] = [...argv];
  let context: Record<string, string> = {};
  if (spec.context) {
    try {
      ({ context, rest } = contextFlags(argv));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const options: Record<string, string | true> = {};
  const positional: string[] = [];
  const known = spec.options.map((o) => o.name).join(', ');
  for (let i = 0; i < rest.length; i++) {
    const argument = rest[i];
    if (!argument.startsWith('-')) {
      if (!spec.positional)
        throw new UsageError(`unexpected argument ${JSON.stringify(argument)}: ${spec.name} takes only options (${known || 'none'})`);
      const { allowed, accepts } = spec.positional;
      if (allowed && !allowed.includes(argument)) {
        throw new UsageError(`unknown ${spec.positional.name} ${JSON.stringify(argument)}; allowed: ${allowed.join(', ')}`);
      }
      if (accepts && !accepts.test(argument)) {
        throw new UsageError(`${spec.positional.name}: got ${JSON.stringify(argument)}; allowed: ${accepts.allowed}`);
      }
      positional.push(argument);
      continue;
    }
    const [name, inline] = argument.includes('=')
      ? [argument.slice(0, argument.indexOf('=')), argument.slice(argument.indexOf('=') + 1)]
      : [argument, undefined];
    const option = spec.options.find((o) => o.name === name);
    if (!option) {
      const extra = spec.context ? `${known ? ', ' : ''}-c key=value` : '';
      throw new UsageError(
        `unknown option ${JSON.stringify(argument)}; ${spec.name} takes ${known || extra ? `${known}${extra}` : 'no options'}`,
      );
    }
    if (option.value === undefined) {
      if (inline !== undefined) throw new UsageError(`${name} takes no value, got ${JSON.stringify(argument)}`);
      options[name.slice(2)] = true;
      continue;
    }
    const value = inline ?? rest[++i];
    if (value === undefined || (inline === undefined && value.startsWith('-')))
      throw new UsageError(`${name} needs a value (${option.value})`);
    if (option.allowed && !option.allowed.includes(value)) {
      throw new UsageError(`${name}: got ${JSON.stringify(value)}; allowed: ${option.allowed.join(', ')}`);
    }
    if (option.accepts && !option.accepts.test(value)) {
      throw new UsageError(`${name}: got ${JSON.stringify(value)}; allowed: ${option.accepts.allowed}`);
    }
    options[name.slice(2)] = value;
  }
  return { options, positional, context };
}

/** The tool's `--help`: usage, what it does, its options with their defaults, and its notes. */
export function helpText(spec: ToolSpec): string {
  const usage = [
    `zero-to-millions ${spec.name}`,
    ...(spec.positional ? [spec.positional.one ? `<${spec.positional.name}>` : `[${spec.positional.name}...]`] : []),
    ...(spec.options.length ? ['[options]'] : []),
    ...(spec.context ? ['[-c key=value ...]'] : []),
  ].join(' ');
  const rows: [string, string][] = [
    ...(spec.positional
      ? [
          [
            `${spec.positional.name}`,
            `${spec.positional.description} (${spec.positional.allowed?.join(', ') ?? spec.positional.accepts?.allowed ?? 'any'})`,
          ] as [string, string],
        ]
      : []),
    ...spec.options.map((o): [string, string] => [
      `${o.name}${o.value ? ` ${o.value}` : ''}`,
      [
        o.description,
        o.allowed ? `: ${o.allowed.join(', ')}` : o.accepts ? `: ${o.accepts.allowed}` : '',
        o.defaultInWords ? ` (default: ${o.defaultInWords})` : '',
      ].join(''),
    ]),
    ...(spec.context
      ? [['-c, --context key=value', 'a configuration value, as `cdk synth` takes it (docs/configuration.md)'] as [string, string]]
      : []),
    ['-h, --help', 'this help'],
  ];
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `Usage: ${usage}`,
    `   or: npm run ${spec.name}${spec.options.length || spec.positional || spec.context ? ' -- [arguments]' : ''}`,
    '',
    spec.summary,
    '',
    'Options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
    ...(spec.notes?.length ? ['', ...spec.notes] : []),
    '',
  ].join('\n');
}

/**
 * Ends the process once what it wrote has left. A pipe takes 64 KiB at a time, and process.exit()
 * alone would cut the rest (compare's --json is larger than that); waiting for the event loop to
 * empty instead could wait for an SDK's idle sockets.
 */
export function exitAfterOutput(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/** What a tool prints for a command line it cannot take: the problem, and where its usage is. */
export const usageProblem = (spec: ToolSpec, message: string) =>
  `${spec.name}: ${message}\nRun \`zero-to-millions ${spec.name} --help\` for its usage.\n`;

/**
 * The tool's arguments, for a script that reads them before anything else: `--help` prints the
 * help and exits 0; a command line it cannot take prints what is wrong and exits 2.
 */
export function argumentsOf(spec: ToolSpec, argv = process.argv.slice(2)): ParsedArguments {
  if (wantsHelp(argv)) {
    writeSync(1, helpText(spec));
    process.exit(0);
  }
  try {
    return parseArguments(spec, argv);
  } catch (error) {
    writeSync(2, usageProblem(spec, (error as Error).message));
    process.exit(2);
  }
}

/**
 * Runs a tool: `--help` prints its help (exit 0); a command line it cannot take prints what is wrong
 * and where to look (exit 2); otherwise `main` runs, and its result is the exit code. An error from
 * `main` is printed as one message without a stack (exit 1), unless `ZTM_DEBUG` is set.
 */
export function runTool(spec: ToolSpec, main: (args: ParsedArguments) => number | Promise<number>, argv = process.argv.slice(2)): void {
  if (wantsHelp(argv)) {
    process.stdout.write(helpText(spec));
    exitAfterOutput(0);
    return;
  }
  let args: ParsedArguments;
  try {
    args = parseArguments(spec, argv);
  } catch (error) {
    process.stderr.write(usageProblem(spec, (error as Error).message));
    exitAfterOutput(2);
    return;
  }
  Promise.resolve()
    .then(() => main(args))
    .then(exitAfterOutput, (error) => {
      if (error instanceof UsageError) {
        process.stderr.write(usageProblem(spec, error.message));
        exitAfterOutput(2);
        return;
      }
      process.stderr.write(
        `${process.env.ZTM_DEBUG && error instanceof Error ? error.stack : error instanceof Error ? error.message : String(error)}\n`,
      );
      exitAfterOutput(1);
    });
}
