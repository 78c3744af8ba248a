/**
 * The configuration context the way `cdk synth` assembles it, for the project's own commands
 * (preflight, compare, bench) and the tests: cdk.json's "context", then `-c key=value` flags.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPOSITORY } from '../source-hash';

/** cdk.json's "context": the pinned feature flags and whatever configuration a user recorded. */
export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(REPOSITORY, 'cdk.json'), 'utf8')).context;
}

export interface ContextOptions {
  /** Bundle Lambda code as `cdk synth` does. @default false: the CLI's list of stacks to bundle is empty */
  readonly bundling?: boolean;
  /**
   * Record where each construct was created, as `cdk synth` does for its reports (aws-cdk-lib
   * captures a stack trace per construct: 7-22 % of a synth's CPU time). The templates are the
   * same without. @default true
   */
  readonly creationStackTraces?: boolean;
}

/** The context `cdk synth` would give the app: cdk.json's, then the overrides (`-c`-style strings or any JSON). */
export function contextWith(overrides: Readonly<Record<string, unknown>>, options: ContextOptions = {}): Record<string, unknown> {
  return {
    ...cdkJsonContext(),
    'aws:cdk:bundling-stacks': options.bundling ? ['**'] : [],
    ...(options.creationStackTraces === false ? { 'aws:cdk:disable-creation-stack-traces': true } : {}),
    ...overrides,
  };
}

/**
 * Splits command-line arguments into `-c key=value` / `--context key=value` pairs, as the CDK CLI
 * takes them, and the remaining arguments.
 */
export function contextFlags(args: readonly string[]): { context: Record<string, string>; rest: string[] } {
  const context: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '-c' && args[i] !== '--context') {
      rest.push(args[i]);
      continue;
    }
    const match = /^([^=]+)=(.*)$/.exec(args[i + 1] ?? '');
    if (!match) throw new Error(`${args[i]} takes key=value, got ${JSON.stringify(args[i + 1] ?? '')}`);
    context[match[1]] = match[2];
    i++;
  }
  return { context, rest };
}
