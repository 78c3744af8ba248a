/** The comparison as a terminal table, as docs/stages.md, and as JSON. */

import { capacityChart } from '../capacity/chart';
import CAPACITY from '../capacity/inputs.json';
import { STAGES, type StageNumber } from '../config/stages';
import { markdownTable } from '../markdown';
import { requestsPerSecond, SESSIONS, type StageReport, type StepReport } from './compare';
import type { CostLine } from './cost';
import PRICE_TABLE from './prices.json';

const money = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const mermaidText = (s: string) => s.replace(/"/g, "'");

export function mermaid(report: StageReport): string {
  const { nodes, edges } = report.requestPath;
  return [
    'flowchart LR',
    ...nodes.map((n) => `  ${n.id}["${mermaidText(n.label)}"]`),
    ...edges.map((e) => `  ${e.from} -->|"${mermaidText(e.label)}"| ${e.to}`),
  ].join('\n');
}

interface Row {
  readonly label: string;
  readonly cell: (r: StageReport) => string;
}

const ROWS: Row[] = [
  { label: 'resources', cell: (r) => String(r.resourceCount) },
  { label: 'web servers', cell: (r) => r.webServers },
  { label: 'zones spanned', cell: (r) => String(r.availability.zones.length) },
  { label: 'sessions', cell: (r) => SESSIONS[r.sessions] ?? r.sessions },
  { label: 'single points of failure', cell: (r) => String(r.singlePointsOfFailure.length) },
  {
    label: 'internet-facing',
    cell: (r) =>
      r.exposure
        .map((e) =>
          e
            .replace(/ [A-Za-z0-9]+ accepts the internet on /, ' :')
            .replace(/ \(80 redirects to HTTPS\), behind its firewall in (\w+) mode/, ' (firewall: $1)'),
        )
        .join('; '),
  },
  { label: 'NAT (egress)', cell: (r) => r.nat?.summary ?? 'none' },
  {
    label: 'est. monthly cost',
    cell: (r) => `${money(r.cost.total)}${r.cost.unpriced.length ? ` + ${r.cost.unpriced.length} unpriced` : ''}`,
  },
  { label: `ceiling, req/s (${mixName()})`, cell: (r) => requestsPerSecond(r.capacity.ceiling.mixed) },
  {
    label: 'ceiling, reads / writes only',
    cell: (r) => `${requestsPerSecond(r.capacity.ceiling.reads)} / ${requestsPerSecond(r.capacity.ceiling.writes)}`,
  },
  { label: 'saturates first', cell: (r) => r.capacity.bottleneck.mixed },
  { label: 'daily users at the ceiling', cell: (r) => users(r.capacity.users) },
  { label: 'monthly cost at the ceiling', cell: (r) => ceilingCost(r) },
];

/** The month at the ceiling, and how many of its lines the price table cannot price (left out of it). */
function ceilingCost(r: StageReport): string {
  const unpriced = r.capacity.costAtCeiling.lines.filter((l) => l.monthly === null).length;
  return `${money(r.capacity.costAtCeiling.monthly)}${unpriced ? ` + ${unpriced} unpriced` : ''}`;
}

/** The mix the ceilings are stated at, in words. */
function mixName(): string {
  return `${Math.round(100 * CAPACITY.assumptions.readShare)} % reads`;
}

/** Users, as `2.1 M` or `48,000`. */
export function users(n: number): string {
  if (n >= 1e6) return `${Number((n / 1e6).toPrecision(2))} M`;
  return (n >= 1e4 ? Math.round(n / 1000) * 1000 : n).toLocaleString('en-US');
}

/** Each component's ceiling, the first to saturate first, as lines. */
export function capacityLines(r: StageReport): string[] {
  return r.capacity.components.map(
    (c) =>
      `${requestsPerSecond(c.ceiling.mixed).padStart(9)}  ${c.name} (reads only ${requestsPerSecond(c.ceiling.reads)}, writes only ${requestsPerSecond(c.ceiling.writes)}): ${c.basis}`,
  );
}

/** Where the capacity figures come from, in one paragraph. */
function capacityNote(): string {
  const m = CAPACITY.measured;
  const a = CAPACITY.assumptions;
  return `Ceilings are from \`lib/capacity/\` (see docs/capacity.md): each component saturates at its capacity over what a request takes of it, and the lowest sets the stage's ceiling. The service's, PostgreSQL's and Redis's CPU per request were measured by \`${m.command}\` on ${m.date} (${m.machine}); AWS's limits carry their sources in \`lib/capacity/inputs.json\`. Traffic: ${mixName()}, ${a.requestsPerUserPerDay} requests per user a day, the peak ${a.peakToAverage}× the day's average; the edge and cache hit ratios of the price table. The cost at the ceiling prices a month whose peak is the ceiling: scalable tiers at their maximum, usage at the day's average rate.`;
}

function terminalTable(stages: StageReport[], steps: StepReport[]): string {
  const header = ['', ...stages.map((s) => s.stack)];
  const rows = ROWS.map((row) => [row.label, ...stages.map(row.cell)]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    '',
    ...steps.map((s) => `${s.from} → ${s.to}: ${s.summary}`),
  ].join('\n');
}

/** The lines that cost something (or have no price), dearest first, and how many resources cost nothing. */
function chargedLines(r: StageReport): { charged: CostLine[]; free: number } {
  const charged = r.cost.lines.filter((l) => l.monthly !== 0).sort((a, b) => (b.monthly ?? Infinity) - (a.monthly ?? Infinity));
  return { charged, free: r.cost.lines.length - charged.length };
}

const costFooter = (r: StageReport, free: number) =>
  `${free} more resources have no charge of their own.${r.cost.unpriced.length ? ` ${r.cost.unpriced.length} resource(s) are unpriced: the total leaves them out.` : ''}`;

/** The request path as text: each hop from one node to the next, with what travels on it. */
export function requestPathLines(report: StageReport): string[] {
  const label = new Map(report.requestPath.nodes.map((n) => [n.id, n.label]));
  return report.requestPath.edges.map((e) => `${label.get(e.from) ?? e.from} → ${label.get(e.to) ?? e.to}  (${e.label})`);
}

/** One stage as the terminal shows it under the table: its request path, what fails alone, and its cost line by line. */
function terminalStage(r: StageReport): string {
  const { charged, free } = chargedLines(r);
  const amounts = charged.map((l) => (l.monthly === null ? 'unpriced' : money(l.monthly)));
  const width = Math.max(0, ...amounts.map((a) => a.length));
  return [
    `${r.stack}`,
    '  request path:',
    ...requestPathLines(r).map((l) => `    ${l}`),
    `  single points of failure: ${r.singlePointsOfFailure.length === 0 ? 'none' : ''}`.trimEnd(),
    ...r.singlePointsOfFailure.map((s) => `    - ${s.what} (${s.resource})`),
    `  est. monthly cost: ${money(r.cost.total)}`,
    ...charged.map((l, i) => `    ${amounts[i].padStart(width)}  ${l.resource} (${l.type}): ${l.basis}`),
    `    ${costFooter(r, free)}`,
    `  ceiling: ${requestsPerSecond(r.capacity.ceiling.mixed)} req/s at ${mixName()}, ${users(r.capacity.users)} daily users; ${ceilingCost(r)} a month there. Each component saturates at (req/s):`,
    ...capacityLines(r).map((l) => `    ${l}`),
    ...r.capacity.notes.map((n) => `    - ${n}`),
  ].join('\n');
}

/**
 * What `npm run compare` prints: the side-by-side table and the steps, then each stage's request
 * path, single points of failure and cost lines, with the price table's date and assumptions.
 */
export function terminalReport(stages: StageReport[], steps: StepReport[]): string {
  return [terminalTable(stages, steps), '', ...stages.flatMap((s) => [terminalStage(s), '']), pricesNote(), '', capacityNote()].join('\n');
}

const list = (items: string[], empty = 'none') => (items.length ? items.map((i) => `- ${i}`).join('\n') : `- ${empty}`);

function stageSection(r: StageReport): string {
  const services = Object.entries(r.resourcesByService).sort(([a], [b]) => a.localeCompare(b));
  return [
    `## ${r.stack}`,
    '',
    '### Request path',
    '',
    '```mermaid',
    mermaid(r),
    '```',
    '',
    `### Resources (${r.resourceCount})`,
    '',
    services.map(([service, n]) => `${service} ${n}`).join(' · '),
    '',
    '### Single points of failure',
    '',
    list(r.singlePointsOfFailure.map((s) => `${s.what} — \`${s.resource}\``)),
    '',
    '### Scaling',
    '',
    list([
      ...r.scaling.vertical.map((v) => `vertical: ${v}`),
      ...r.scaling.horizontal.map((h) => `horizontal: ${h}`),
      ...r.scaling.saturation.map((s) => `when it saturates: ${s}`),
    ]),
    '',
    '### Availability and durability',
    '',
    list([
      `zones: ${r.availability.zones.join(', ') || 'none'}`,
      ...r.availability.healthChecks.map((h) => `health: ${h}`),
      ...r.availability.backups.map((b) => `backups: ${b}`),
      ...r.availability.deletionProtection.map((d) => `deletion protection: ${d}`),
      ...r.availability.degradation.map((d) => `on failure: ${d}`),
    ]),
    '',
    '### Exposure',
    '',
    list(r.exposure),
    '',
    `### Estimated monthly cost: ${money(r.cost.total)}`,
    '',
    '| resource | type | per month | basis |',
    '| --- | --- | ---: | --- |',
    ...chargedLines(r).charged.map(
      (l) => `| \`${l.resource}\` | ${l.type} | ${l.monthly === null ? '**unpriced**' : money(l.monthly)} | ${l.basis} |`,
    ),
    '',
    costFooter(r, chargedLines(r).free),
    '',
    `### Capacity: ${requestsPerSecond(r.capacity.ceiling.mixed)} requests a second at ${mixName()}`,
    '',
    `Saturates first: **${r.capacity.bottleneck.mixed}** (reads only: ${r.capacity.bottleneck.reads}; writes only: ${r.capacity.bottleneck.writes}). ${users(r.capacity.users)} daily active users; ${ceilingCost(r)} a month at that ceiling.`,
    '',
    '| component | saturates at, req/s | reads only | writes only | basis |',
    '| --- | ---: | ---: | ---: | --- |',
    ...r.capacity.components.map(
      (c) =>
        `| ${c.name} | ${requestsPerSecond(c.ceiling.mixed)} | ${requestsPerSecond(c.ceiling.reads)} | ${requestsPerSecond(c.ceiling.writes)} | ${c.basis} |`,
    ),
    '',
    list(r.capacity.notes),
  ].join('\n');
}

/** The side-by-side table, in Markdown: docs/stages.md opens with it and the README shows it. */
export function sideBySide(stages: StageReport[]): string {
  return markdownTable(
    ['', ...stages.map((s) => s.stack)],
    ROWS.map((row) => [row.label, ...stages.map(row.cell)]),
  );
}

export const EXCERPT_START = '<!-- stages-excerpt:start (generated by `npm run compare -- --write`) -->';
export const EXCERPT_END = '<!-- stages-excerpt:end -->';

/** The README with its excerpt of docs/stages.md replaced by the current one. */
export function withStagesExcerpt(readme: string, stages: StageReport[]): string {
  const start = readme.indexOf(EXCERPT_START);
  const end = readme.indexOf(EXCERPT_END);
  if (start < 0 || end < start) throw new Error(`README.md has no stages excerpt markers (${EXCERPT_START} ... ${EXCERPT_END})`);
  return `${readme.slice(0, start + EXCERPT_START.length)}\n${sideBySide(stages)}\n${readme.slice(end)}`;
}

/** Where the prices come from and what usage they assume, in one paragraph. */
function pricesNote(): string {
  const isNote = (key: string) => /(^n|N)ote$/.test(key);
  const assumptions = Object.entries(PRICE_TABLE.assumptions)
    .filter(([k]) => !isNote(k))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const notes = Object.entries(PRICE_TABLE.assumptions)
    .filter(([k]) => isNote(k))
    .map(([, v]) => v)
    .join(' ');
  return `Costs are estimates in ${PRICE_TABLE.currency} from \`lib/compare/prices.json\`: ${PRICE_TABLE.region} ${PRICE_TABLE.kind}, ${PRICE_TABLE.recorded}. ${PRICE_TABLE.hoursPerMonth} hours a month. Usage assumed: ${assumptions}. ${notes}`;
}

export function markdown(stages: StageReport[], steps: StepReport[], configuration: string): string {
  return [
    '# The stages compared',
    '',
    `Generated by \`npm run compare -- --write\` from the synthesized templates, with ${configuration}. Do not edit by hand: CI fails when this file is stale.`,
    '',
    pricesNote(),
    '',
    capacityNote(),
    '',
    '![The ceiling and the cost at the ceiling of every stage](capacity.svg)',
    '',
    '## Side by side',
    '',
    sideBySide(stages),
    '',
    '## From one stage to the next',
    '',
    ...steps.flatMap((s) => [
      `**${s.from} → ${s.to}:** ${s.summary}.`,
      '',
      list([
        `added: ${
          Object.entries(s.added)
            .map(([t, n]) => `${n} × ${t}`)
            .join(', ') || 'nothing'
        }`,
        `removed: ${
          Object.entries(s.removed)
            .map(([t, n]) => `${n} × ${t}`)
            .join(', ') || 'nothing'
        }`,
        `changed in place: ${Object.values(s.changed).reduce((a, b) => a + b, 0)} resources (most only by their stage tag)`,
      ]),
      '',
    ]),
    ...stages.map(stageSection).flatMap((section) => [section, '']),
  ].join('\n');
}

/** The chart of every stage's ceiling and its cost there (docs/capacity.svg). */
export function chartOf(stages: readonly StageNumber[], reports: StageReport[]): string {
  return capacityChart(
    reports.map((r, i) => ({
      label: `${stages[i]} ${STAGES[stages[i]].title}`,
      ceiling: r.capacity.ceiling.mixed,
      costAtCeiling: r.capacity.costAtCeiling.monthly,
      bottleneck: r.capacity.bottleneck.mixed,
    })),
    "Generated by `npm run compare -- --write` from the templates of cdk.json's configuration and lib/capacity/inputs.json; see docs/capacity.md.",
  );
}

export function json(stages: StageReport[], steps: StepReport[]): string {
  return JSON.stringify(
    {
      prices: { region: PRICE_TABLE.region, recorded: PRICE_TABLE.recorded, assumptions: PRICE_TABLE.assumptions },
      capacity: { measured: CAPACITY.measured, assumptions: CAPACITY.assumptions },
      stages,
      steps,
    },
    null,
    2,
  );
}
