/** The chart of the journey (lib/capacity/chart.ts): a bar per stage for its ceiling, a dot for its cost there. */
import { capacityChart } from '../../lib/capacity/chart';

const stages = [
  { label: '1 Single server', ceiling: 1_000, costAtCeiling: 30, bottleneck: 'web tier: 1 × t3.small' },
  {
    label: '2 <b>&"quoted"',
    ceiling: 100_000,
    costAtCeiling: 3_000,
    bottleneck: 'a very long bottleneck name that wraps over more than three lines of text at the least',
  },
];
const svg = capacityChart(stages, 'made by `a command`');
const bars = [...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="#4c78a8">/g)].map((m) => ({
  y: Number(m[1]),
  height: Number(m[2]),
}));
const dots = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));

test('one bar and one dot per stage, each taller for more, on logarithmic axes', () => {
  expect(bars).toHaveLength(2);
  expect(dots).toHaveLength(2);
  // Two decades apart on a log axis whose lowest tick is a decade below the lowest value: the second bar is three times as tall.
  expect(bars[1].height / bars[0].height).toBeCloseTo(3, 1);
  expect(dots[1]).toBeLessThan(dots[0]); // higher cost, higher on the page
  expect(svg).toContain('>1,000<');
  expect(svg).toContain('>100,000<');
  expect(svg).toContain('>$3,000<');
  for (const tick of ['100', '1k', '10k', '100k', '$10', '$100', '$1k', '$10k']) expect(svg).toContain(`>${tick}</text>`);
});

test('labels are escaped, long names wrapped to three lines, and the SVG has no script or external reference', () => {
  expect(svg).toContain('2 &lt;b&gt;&amp;&quot;quoted&quot;');
  expect(svg).not.toContain('<b>');
  expect(svg).toMatch(/>more than three lines of…<\/text>/);
  expect(svg).not.toMatch(/<script|href=|url\(/);
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect(svg).toContain('<title>made by `a command`</title>');
});
