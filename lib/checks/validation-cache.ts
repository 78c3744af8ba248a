/**
 * CloudFormation validation that remembers its answers: aws-cdk-lib's own validation plugin,
 * asked only about templates it has not validated before. Validating the same bytes with the same
 * validator gives the same answer, so each template's answer is kept under the hash of exactly what
 * decides it, and a later synth that produces the same bytes reads the answer instead of starting
 * the validator (a 9 MB WebAssembly module that costs more than a second to compile) and running it.
 *
 * What decides an answer, and so makes the key: the template's bytes; the account and region the
 * plugin gives the validator as pseudo parameters; the validator's version and aws-cdk-lib's (which
 * fixes the rules it skips and how it words a finding); and the extra rule files aws-cdk-lib loads
 * for the template's resource types (it loads a rule only for types a template holds, so a rule for
 * other types cannot find anything in it). Nothing else reaches the validator.
 *
 * The answers live in node_modules/.cache/zero-to-millions/validation/, one small file per template:
 * a fresh clone (and CI) starts with none and validates everything. Registered on the app in place
 * of the built-in plugin, as aws-cdk-lib documents for a configured instance of it; `cdk synth
 * --no-validation` (CDK_VALIDATION=false) still turns validation off.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  CloudFormationValidatePlugin,
  type IPolicyValidationContext,
  type PolicyValidationPluginReport,
  type PolicyViolatingResource,
  type PolicyViolation,
} from 'aws-cdk-lib';
import { REPOSITORY } from '../source-hash';

/** Where the answers are kept. */
export const VALIDATION_CACHE = join(REPOSITORY, 'node_modules', '.cache', 'zero-to-millions', 'validation');

/** A finding as kept: its resources without the paths of the synth that found it. */
interface KeptViolation extends Omit<PolicyViolation, 'violatingResources'> {
  /** `stack`: the finding is about the template as a whole (the plugin names the stack's construct path). */
  readonly resources: { readonly resourceLogicalId?: string; readonly stack?: true; readonly locations: string[] }[];
}

type StackTemplate = IPolicyValidationContext['stackTemplates'][number];

/** The version in a package's package.json, found from aws-cdk-lib without loading the package. */
function packageVersion(name: string): string {
  const path = require.resolve(`${name}/package.json`, { paths: [dirname(require.resolve('aws-cdk-lib/package.json'))] });
  return JSON.parse(readFileSync(path, 'utf8')).version;
}

/** The rule files aws-cdk-lib adds to the validator for these resource types (lib/validation/rules in aws-cdk-lib). */
const extraRules = (types: ReadonlySet<string>): string => {
  const key = [...types].sort().join(',');
  if (!rulesByTypes.has(key)) rulesByTypes.set(key, rulesFor(types));
  return rulesByTypes.get(key)!;
};
const rulesByTypes = new Map<string, string>();

function rulesFor(types: ReadonlySet<string>): string {
  const directory = join(dirname(require.resolve('aws-cdk-lib/package.json')), 'core', 'lib', 'validation', 'rules');
  const index = JSON.parse(readFileSync(join(directory, 'index.generated.json'), 'utf8')) as {
    rules: { file: string; types: string[] | null }[];
  };
  return index.rules
    .filter((rule) => rule.types === null || rule.types.some((type) => types.has(type)))
    .map((rule) => `${rule.file}\0${readFileSync(join(directory, rule.file), 'utf8')}`)
    .sort()
    .join('\0');
}

function resourceTypes(template: string): Set<string> {
  try {
    const resources = (JSON.parse(template) as { Resources?: Record<string, { Type?: unknown }> }).Resources ?? {};
    return new Set(Object.values(resources).flatMap((r) => (typeof r?.Type === 'string' ? [r.Type] : [])));
  } catch {
    return new Set(); // not JSON: the validator says so, and no rule file applies
  }
}

/** Written whole, then renamed: a concurrent synth never reads half an answer. */
function keep(path: string, violations: KeptViolation[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}`;
  writeFileSync(partial, JSON.stringify(violations));
  renameSync(partial, path);
}

export interface CachedValidationProps {
  /** Where answers are kept. @default VALIDATION_CACHE */
  readonly directory?: string;
}

export class CachedCloudFormationValidation extends CloudFormationValidatePlugin {
  private static shared?: CachedCloudFormationValidation;

  /**
   * One instance per process, as aws-cdk-lib keeps its own plugin: a process that synthesizes many
   * apps (the test builders, the matrix) starts the validator once.
   */
  static instance(): CachedCloudFormationValidation {
    CachedCloudFormationValidation.shared ??= new CachedCloudFormationValidation();
    return CachedCloudFormationValidation.shared;
  }

  private readonly directory: string;
  private readonly versions: string;
  /** How many templates this instance answered from the cache, and how many it validated. */
  readonly counts = { cached: 0, validated: 0 };

  constructor(props: CachedValidationProps = {}) {
    super();
    this.directory = props.directory ?? VALIDATION_CACHE;
    this.versions = `aws-cdk-lib ${packageVersion('aws-cdk-lib')}, @aws/cloudformation-validate ${packageVersion('@aws/cloudformation-validate')}`;
  }

  /** The key of one template's answer. */
  keyOf(template: string, stack: Pick<StackTemplate, 'accountId' | 'region'>): string {
    return createHash('sha256')
      .update(JSON.stringify(['zero-to-millions validation cache 1', this.versions, stack.accountId ?? null, stack.region ?? null]))
      .update('\0')
      .update(extraRules(resourceTypes(template)))
      .update('\0')
      .update(template)
      .digest('hex');
  }

  override validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const answers = context.stackTemplates.map((stack) => {
      const path = join(this.directory, `${this.keyOf(readFileSync(stack.templatePath, 'utf8'), stack)}.json`);
      const kept = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as KeptViolation[]) : undefined;
      return { stack, path, kept };
    });
    const unseen = answers.filter((a) => a.kept === undefined);
    this.counts.cached += answers.length - unseen.length;
    this.counts.validated += unseen.length;
    if (unseen.length > 0) {
      // One call for every new template, so the validator starts once; its answer is then split by template.
      const stackTemplates = unseen.map((a) => a.stack);
      const report = super.validate({ ...context, stackTemplates, templatePaths: stackTemplates.map((s) => s.templatePath) });
      for (const answer of unseen) {
        answer.kept = keptFor(report.violations, answer.stack.templatePath);
        // A finding that quoted the template's path would not hold for the same bytes elsewhere: not kept.
        const text = JSON.stringify(answer.kept);
        if (!text.includes(JSON.stringify(answer.stack.templatePath).slice(1, -1))) keep(answer.path, answer.kept);
      }
    }
    // Merged as the plugin merges: one finding per rule, severity and wording, with every resource it names.
    const violations: PolicyViolation[] = [];
    for (const { stack, kept } of answers) {
      for (const v of kept!) {
        const { resources, ...finding } = v;
        const violatingResources: PolicyViolatingResource[] = resources.map((r) => ({
          resourceLogicalId: r.resourceLogicalId,
          constructPath: r.stack ? stack.stackConstructPath : undefined,
          templatePath: stack.templatePath,
          locations: r.locations,
        }));
        const same = violations.find((x) => x.ruleName === v.ruleName && x.severity === v.severity && x.description === v.description);
        if (same) same.violatingResources.push(...violatingResources);
        else violations.push({ ...finding, violatingResources });
      }
    }
    return { success: violations.every((v) => v.severity !== 'error' && v.severity !== 'fatal'), violations };
  }
}

/** The findings of one template, from a report about several. */
function keptFor(violations: readonly PolicyViolation[], templatePath: string): KeptViolation[] {
  return violations.flatMap(({ violatingResources, ...finding }) => {
    const mine = violatingResources.filter((r) => r.templatePath === templatePath);
    if (mine.length === 0) return [];
    return [
      {
        ...finding,
        resources: mine.map((r) => ({
          // As the plugin names them: a resource by its logical id, anything else by the stack's construct path.
          ...(r.resourceLogicalId ? { resourceLogicalId: r.resourceLogicalId } : { stack: true as const }),
          locations: r.locations,
        })),
      },
    ];
  });
}
