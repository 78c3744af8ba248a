/**
 * What synth found: the validation report an app writes when it synthesizes (CloudFormation
 * validation, cdk-nag, the invariants and construct annotations), read back as findings no
 * acknowledgement covers. Apart from lib/synth.ts, which builds the stages, so what reads a report
 * (the test fixtures) needs none of them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';

/** The validation report synth writes (with `@aws-cdk/core:annotationsInValidationReport`, annotations are in it too). */
export interface ValidationReport {
  readonly pluginReports: {
    readonly pluginName: string;
    readonly violations: {
      readonly ruleName: string;
      readonly description: string;
      readonly severity?: string;
      readonly violatingConstructs: { readonly constructPath: string }[];
    }[];
  }[];
}
/** The plugin under which the report lists construct annotations (`Validations.of(x).addWarning`). */
export const ANNOTATIONS_PLUGIN = 'Construct Annotations';

/**
 * Synthesizes an app and returns the findings of its validation report (CloudFormation validation,
 * cdk-nag, the invariants, annotations) that no acknowledgement covers, and the error synth threw
 * because of them.
 */
export function synthReport(app: App): { threw?: unknown; findings: string[]; report: ValidationReport } {
  let threw: unknown;
  const print = console.error; // synth prints the findings it reports; they are returned instead
  console.error = () => undefined;
  try {
    app.synth();
  } catch (error) {
    threw = error;
  } finally {
    console.error = print;
  }
  let report: ValidationReport = { pluginReports: [] };
  try {
    report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8'));
  } catch {
    // no plugin ran: nothing to report
  }
  const findings = report.pluginReports.flatMap((plugin) =>
    plugin.violations.map((v) => `${plugin.pluginName} ${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`),
  );
  return { threw, findings, report };
}
