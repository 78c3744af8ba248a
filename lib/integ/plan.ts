/**
 * What a deploy test will create, printed before anything is: each stack with its region, what it
 * costs an hour (compare's monthly estimate from the price table, lib/compare/prices.json, over its
 * hours a month), and how long it is expected to take to create and to delete: the longest chain of
 * resources that wait on one another (`Ref`, `Fn::GetAtt`, `DependsOn`), each taking the typical
 * time of its type (./durations.json, with where each figure comes from). Stacks deploy one after
 * another (the edge's, the stage's, the assertions'), so their times add up.
 */
import { costOf } from '../compare/cost';
import PRICE_TABLE from '../compare/prices.json';
import { type CfnTemplate, referencedIds } from '../template';
import DURATIONS from './durations.json';

export interface PlannedStack {
  readonly stackName: string;
  readonly region: string;
  readonly template: CfnTemplate;
}

export interface StackPlan {
  readonly stackName: string;
  readonly region: string;
  readonly resources: number;
  /** USD an hour, from the priced lines. */
  readonly hourly: number;
  /** The types the price table has no price for (paid per use, such as a Lambda function's invocations). */
  readonly unpriced: readonly string[];
  /** Expected minutes to create, and to delete, on the longest chain. */
  readonly createMinutes: number;
  readonly deleteMinutes: number;
  /** The types on the longest chain of the create, slowest first: what the wait is for. */
  readonly slowest: readonly string[];
}

export interface Plan {
  readonly stacks: readonly StackPlan[];
  readonly hourly: number;
  readonly createMinutes: number;
  readonly deleteMinutes: number;
}

type Phase = 'create' | 'delete';
type Minutes = { create: number; delete: number };
const TYPES = DURATIONS.types as Record<string, Minutes | undefined>;
/** A type's minutes: its own entry, or that of a prefix ending in `@` (integ-tests-alpha names each assertion's type after its call). */
function minutesOf(type: string, phase: Phase): number {
  const prefix = Object.keys(TYPES).find((key) => key.endsWith('@') && type.startsWith(key));
  return (TYPES[type] ?? (prefix ? TYPES[prefix] : undefined) ?? DURATIONS.other)[phase];
}

/**
 * The longest chain through a template's resources, weighted by each type's minutes: on create a
 * resource starts once everything it references exists; on delete it goes once everything that
 * references it is gone, the same chain walked the other way, so the same longest path.
 */
export function longestChain(template: CfnTemplate, phase: Phase): { minutes: number; chain: string[] } {
  const resources = template.Resources;
  const needs = new Map<string, string[]>();
  for (const [id, resource] of Object.entries(resources)) {
    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    const refs = [...referencedIds(resource.Properties ?? {}), ...dependsOn].filter((r) => r !== id && r in resources);
    needs.set(id, [...new Set(refs)]);
  }
  const memo = new Map<string, { minutes: number; chain: string[] }>();
  const visiting = new Set<string>();
  const finish = (id: string): { minutes: number; chain: string[] } => {
    const known = memo.get(id);
    if (known) return known;
    // CloudFormation refuses a circular template; a cycle here would be a bug of this reading.
    if (visiting.has(id)) throw new Error(`the template's resources reference each other in a circle at ${id}`);
    visiting.add(id);
    let before = { minutes: 0, chain: [] as string[] };
    for (const dep of needs.get(id) ?? []) {
      const f = finish(dep);
      if (f.minutes > before.minutes) before = f;
    }
    visiting.delete(id);
    const result = { minutes: before.minutes + minutesOf(resources[id].Type, phase), chain: [...before.chain, id] };
    memo.set(id, result);
    return result;
  };
  let longest = { minutes: 0, chain: [] as string[] };
  for (const id of Object.keys(resources)) {
    const f = finish(id);
    if (f.minutes > longest.minutes) longest = f;
  }
  return longest;
}

export function planOf(stacks: readonly PlannedStack[]): Plan {
  const planned = stacks.map((s): StackPlan => {
    const cost = costOf(s.template);
    const create = longestChain(s.template, 'create');
    const types = create.chain.map((id) => s.template.Resources[id].Type);
    return {
      stackName: s.stackName,
      region: s.region,
      resources: Object.keys(s.template.Resources).length,
      hourly: cost.total / PRICE_TABLE.hoursPerMonth,
      unpriced: [...new Set(cost.unpriced.map((l) => typeName(l.type)))].sort(),
      createMinutes: create.minutes,
      deleteMinutes: longestChain(s.template, 'delete').minutes,
      slowest: [
        ...new Set(
          types
            .filter((type) => minutesOf(type, 'create') >= 1)
            .sort((x, y) => minutesOf(y, 'create') - minutesOf(x, 'create'))
            .map(typeName),
        ),
      ].slice(0, 3),
    };
  });
  const sum = (f: (s: StackPlan) => number) => planned.reduce((total, s) => total + f(s), 0);
  return {
    stacks: planned,
    hourly: sum((s) => s.hourly),
    createMinutes: sum((s) => s.createMinutes),
    deleteMinutes: sum((s) => s.deleteMinutes),
  };
}

/**
 * A type as the plan names it: integ-tests-alpha names each assertion's type after its call
 * (`Custom::DeployAssert@HttpCall<url>`); each is one invocation of its provider's Lambda function.
 */
const typeName = (type: string) => (type.startsWith('Custom::DeployAssert@') ? 'the assertions (Custom::DeployAssert@…)' : type);

const minutes = (m: number) => (m < 1 ? 'under a minute' : `about ${Math.round(m)} min`);
const dollars = (n: number) => `$${n.toFixed(n < 1 ? 3 : 2)}`;

/** The plan as the lines the deploy test prints. */
export function renderPlan(plan: Plan): string[] {
  const width = Math.max(...plan.stacks.map((s) => s.stackName.length));
  return [
    ...plan.stacks.flatMap((s) => [
      `  ${s.stackName.padEnd(width)}  ${s.region.padEnd(14)}  ${String(s.resources).padStart(3)} resources  ${dollars(s.hourly).padStart(7)} an hour`,
      `  ${''.padEnd(width)}  create ${minutes(s.createMinutes)}, delete ${minutes(s.deleteMinutes)}${s.slowest.length ? `; waits on ${s.slowest.join(', ')}` : ''}`,
    ]),
    `  in all: ${dollars(plan.hourly)} an hour while it runs; create ${minutes(plan.createMinutes)}, delete ${minutes(plan.deleteMinutes)}`,
    `  (cost: compare's monthly estimate over ${PRICE_TABLE.hoursPerMonth} h, ${PRICE_TABLE.region} list prices of lib/compare/prices.json; times: lib/integ/durations.json)`,
    ...unpricedLine(plan),
  ];
}

function unpricedLine(plan: Plan): string[] {
  const unpriced = [...new Set(plan.stacks.flatMap((s) => s.unpriced))];
  return unpriced.length ? [`  not in the estimate (paid per use, or no price recorded): ${unpriced.join(', ')}`] : [];
}
