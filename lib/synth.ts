/**
 * Synthesizes stage stacks in this process, the way `cdk synth` does (the same `buildApp` and
 * cdk.json context, then `-c`-style overrides), and returns what the checks read: each template, the
 * stage and configuration it was built from, the stack's environment and messages, and the findings
 * of CloudFormation validation, cdk-nag and the invariants that no acknowledgement covers. Shared by
 * the tests, `npm run test:matrix` and `npm run bench`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { buildApp } from './app';
import type { Config, StageNumber } from './config';
import { contextWith } from './config/context';
import { PLACEHOLDER_WARNING } from './stages/stage-stack';
import { ANNOTATIONS_PLUGIN, synthReport } from './synth-report';
import type { CfnTemplate } from './template';

export { contextWith } from './config/context';
export { ANNOTATIONS_PLUGIN, synthReport, type ValidationReport } from './synth-report';

/** Context overrides, as `-c key=value` gives them (strings) or cdk.json holds them (any JSON). */
export type Overrides = Readonly<Record<string, unknown>>;

export interface SynthOptions {
  /** aws-cdk-lib's built-in CloudFormation validation. @default false */
  readonly validation?: boolean;
  /** cdk-nag's AwsSolutions checks. @default false */
  readonly nag?: boolean;
  /** The invariants plugin. @default - on when `validation` or `nag` is */
  readonly invariants?: boolean;
  /** Bundle Lambda code with esbuild, as `cdk synth` does. @default false: the Lambda asset is its source directory */
  readonly bundling?: boolean;
  /** Acknowledge the warning a stack carries while the configuration holds placeholders. @default true */
  readonly acknowledgePlaceholders?: boolean;
  /**
   * Record where each construct was created, as `cdk synth` does for its reports. Nothing the
   * checks read needs it, and it is 7-22 % of the CPU time of a synth (three rounds in one process).
   *
   * @default false
   */
  readonly creationStackTraces?: boolean;
}

export interface SynthesizedStage {
  readonly stage: StageNumber;
  readonly stackName: string;
  readonly config: Config;
  readonly template: CfnTemplate;
  /** `aws://<account>/<region>` as the assembly records it. */
  readonly environment: string;
  /** The annotations (warnings, errors) on the stack's constructs that no acknowledgement covers, as `cdk synth` prints them. */
  readonly messages: readonly { readonly level: string; readonly id: string; readonly text: string }[];
  /** The container image assets the stack needs built at deploy, with the files each is built from. */
  readonly dockerImages: readonly { readonly directory: string; readonly files: readonly string[] }[];
  /** Context the app asked for that synth would have to look up in an AWS account. */
  readonly missingContext: number;
  /** The stacks this stage deploys with in other regions (the CDN's us-east-1 stack), with their environment. */
  readonly companions: readonly { readonly stackName: string; readonly environment: string; readonly template: CfnTemplate }[];
}

export interface SynthResult {
  readonly stages: SynthesizedStage[];
  /** Findings of validation, cdk-nag and the invariants that no acknowledgement covers. */
  readonly findings: string[];
}

/** Acknowledges the warning each stack carries while the configuration holds placeholders, for a caller that reports them itself. */
export function acknowledgePlaceholders(stacks: readonly Construct[], reason: string): void {
  for (const stack of stacks) Validations.of(stack).acknowledge({ id: `Annotation::${PLACEHOLDER_WARNING}`, reason });
}

/**
 * Synthesizes the stages the overrides select. Synth itself fails on a finding; the findings are
 * returned instead, from the validation report, so a caller can assert on them.
 */
export function synthesize(overrides: Overrides, options: SynthOptions = {}): SynthResult {
  const checks = options.validation === true || options.nag === true;
  const outdir = mkdtempSync(join(tmpdir(), 'ztm-synth-'));
  try {
    const context = contextWith(overrides, { ...options, creationStackTraces: options.creationStackTraces ?? false });
    const app = new App({ context, outdir, builtinCloudFormationValidation: options.validation ?? false });
    const stacks = buildApp(app, {
      validation: options.validation ?? false,
      nag: options.nag ?? false,
      invariants: options.invariants ?? checks,
    });
    if (options.acknowledgePlaceholders ?? true) acknowledgePlaceholders(stacks, 'Synthesized with the placeholder defaults on purpose.');
    const { findings, threw, report } = synthReport(app);
    if (threw && findings.length === 0) throw threw;
    const annotations = report.pluginReports.filter((p) => p.pluginName === ANNOTATIONS_PLUGIN).flatMap((p) => p.violations);
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    return {
      stages: stacks.map((stack) => {
        const artifact = manifest.artifacts[stack.artifactId];
        const assets = JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.assets.json`), 'utf8'));
        return {
          stage: stack.stage,
          stackName: stack.stackName,
          config: stack.config,
          template: JSON.parse(readFileSync(join(outdir, stack.templateFile), 'utf8')),
          environment: artifact.environment,
          messages: annotations
            .filter((v) =>
              v.violatingConstructs.some((c) => c.constructPath === stack.node.path || c.constructPath.startsWith(`${stack.node.path}/`)),
            )
            .map((v) => ({ level: v.severity ?? 'warning', id: v.ruleName, text: v.description })),
          dockerImages: Object.values(assets.dockerImages ?? {}).map((image: any) => ({
            directory: image.source.directory,
            files: readdirSync(resolve(outdir, image.source.directory)).sort(),
          })),
          missingContext: (manifest.missing ?? []).length,
          companions: stack.companions.map((companion) => ({
            stackName: companion.stackName,
            environment: manifest.artifacts[companion.artifactId].environment,
            template: JSON.parse(readFileSync(join(outdir, companion.templateFile), 'utf8')),
          })),
        };
      }),
      findings,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
