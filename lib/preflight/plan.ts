import type { Config, StageNumber } from '../config';
import type { CfnTemplate } from '../template';

/**
 * What `cdk deploy` would create for each selected stage, read from the synthesized templates: its
 * resources, and the records it publishes as its `Record` output says (the API name's weighted
 * records, or a CDN stage's own name at weight 0).
 */
export function describePlan(
  stacks: readonly { stackName: string; stage: StageNumber; template: CfnTemplate }[],
  config: Config,
): string[] {
  return stacks.flatMap((stack) => {
    const template = stack.template;
    const counts = new Map<string, number>();
    for (const resource of Object.values(template.Resources)) counts.set(resource.Type, (counts.get(resource.Type) ?? 0) + 1);
    return [
      `${stack.stackName}: ${Object.keys(template.Resources).length} resources in ${config.account}/${config.region}, records ${String(template.Outputs?.Record?.Value ?? 'none')}`,
      ...[...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([type, n]) => `    ${String(n).padStart(3)} ${type}`),
    ];
  });
}
