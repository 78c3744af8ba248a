/**
 * The journey at a glance: every stage's ceiling (bars, requests a second) and its monthly cost at
 * that ceiling (dots, dollars), on two logarithmic axes, as an SVG that compare --write keeps in
 * docs/capacity.svg. Plain SVG with no script or external reference, so GitHub shows it as an image.
 */

export interface ChartStage {
  /** The stage's short name under its bar: `3 load-balanced`. */
  readonly label: string;
  readonly ceiling: number;
  readonly costAtCeiling: number;
  readonly bottleneck: string;
}

const WIDTH = 860;
const HEIGHT = 460;
const MARGIN = { top: 48, right: 86, bottom: 128, left: 86 };
const BAR = '#4c78a8';
const COST = '#e45756';

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** A round number as the axis shows it: 1k, 10k, 1M, $100, $10k. */
function short(n: number, prefix = ''): string {
  if (n >= 1e6) return `${prefix}${n / 1e6}M`;
  if (n >= 1e3) return `${prefix}${n / 1e3}k`;
  return `${prefix}${n}`;
}

/** A logarithmic scale over whole decades that hold every value, from a decade below the lowest (so no bar starts at nothing). */
function logScale(values: number[], from: number, to: number) {
  const finite = values.filter((v) => Number.isFinite(v) && v > 0);
  const low = 10 ** (Math.floor(Math.log10(Math.min(...finite))) - 1);
  const high = 10 ** Math.ceil(Math.log10(Math.max(...finite) * 1.0001));
  const at = (v: number) => from - ((Math.log10(Math.max(v, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * (from - to);
  const ticks: number[] = [];
  for (let t = low; t <= high; t *= 10) ticks.push(t);
  return { at, ticks };
}

export function capacityChart(stages: ChartStage[], caption: string): string {
  const plotBottom = HEIGHT - MARGIN.bottom;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const rate = logScale(
    stages.map((s) => s.ceiling),
    plotBottom,
    MARGIN.top,
  );
  const cost = logScale(
    stages.map((s) => s.costAtCeiling),
    plotBottom,
    MARGIN.top,
  );
  const slot = plotWidth / stages.length;
  const x = (i: number) => MARGIN.left + slot * (i + 0.5);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${escapeXml(caption)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">How far each stage carries: its ceiling, and a month at that ceiling</text>`,
  ];
  for (const t of rate.ticks) {
    const y = rate.at(t).toFixed(1);
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y}" y2="${y}" stroke="#e0e0e0"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="${BAR}">${short(t)}</text>`);
  }
  for (const t of cost.ticks) {
    parts.push(
      `<text x="${WIDTH - MARGIN.right + 8}" y="${cost.at(t).toFixed(1)}" dominant-baseline="middle" fill="${COST}">${short(t, '$')}</text>`,
    );
  }
  parts.push(
    `<text transform="translate(22 ${(MARGIN.top + plotBottom) / 2}) rotate(-90)" text-anchor="middle" fill="${BAR}">ceiling, requests a second (log)</text>`,
    `<text transform="translate(${WIDTH - 20} ${(MARGIN.top + plotBottom) / 2}) rotate(90)" text-anchor="middle" fill="${COST}">monthly cost at the ceiling, USD (log)</text>`,
  );
  stages.forEach((s, i) => {
    const top = rate.at(s.ceiling);
    const width = slot * 0.5;
    parts.push(
      `<rect x="${(x(i) - width / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${width.toFixed(1)}" height="${(plotBottom - top).toFixed(1)}" fill="${BAR}"><title>${escapeXml(`${s.label}: ${Math.round(s.ceiling).toLocaleString('en-US')} req/s; saturates first: ${s.bottleneck}`)}</title></rect>`,
      `<text x="${x(i).toFixed(1)}" y="${(top - 6).toFixed(1)}" text-anchor="middle" fill="${BAR}">${Math.round(s.ceiling).toLocaleString('en-US')}</text>`,
    );
    const label = wrap(s.label, 18);
    for (const [j, line] of label.entries())
      parts.push(
        `<text x="${x(i).toFixed(1)}" y="${plotBottom + 16 + 13 * j}" text-anchor="middle" font-weight="bold">${escapeXml(line)}</text>`,
      );
    for (const [j, line] of wrap(s.bottleneck, 24).entries())
      parts.push(
        `<text x="${x(i).toFixed(1)}" y="${plotBottom + 20 + 13 * (label.length + j)}" text-anchor="middle" fill="#555555" font-size="10">${escapeXml(line)}</text>`,
      );
  });
  const points = stages.map((s, i) => `${x(i).toFixed(1)},${cost.at(s.costAtCeiling).toFixed(1)}`);
  parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${COST}" stroke-width="2"/>`);
  stages.forEach((s, i) => {
    const y = cost.at(s.costAtCeiling);
    parts.push(
      `<circle cx="${x(i).toFixed(1)}" cy="${y.toFixed(1)}" r="4.5" fill="${COST}"><title>${escapeXml(`${s.label}: $${Math.round(s.costAtCeiling).toLocaleString('en-US')} a month at its ceiling`)}</title></circle>`,
      `<text x="${(x(i) - 8).toFixed(1)}" y="${(y - 8).toFixed(1)}" text-anchor="end" fill="${COST}" font-size="11" paint-order="stroke" stroke="#ffffff" stroke-width="3">$${Math.round(s.costAtCeiling).toLocaleString('en-US')}</text>`,
    );
  });
  parts.push(`<text x="${MARGIN.left}" y="${HEIGHT - 8}" fill="#555555" font-size="10">${escapeXml(caption)}</text>`, '</svg>');
  return `${parts.join('\n')}\n`;
}

/** Words in lines of at most `width` characters (a word longer than that has a line of its own), at most three lines. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines.length > 3 ? [...lines.slice(0, 2), `${lines[2]}…`] : lines;
}
