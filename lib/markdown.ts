/**
 * A Markdown table laid out as the formatter (`npm run lint`) lays it out: every column padded to
 * its widest cell, so a generated table in the README is already formatted and the lint and the
 * "is it stale" tests agree on one text.
 */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((_, i) => Math.max(3, ...[header, ...rows].map((row) => row[i].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
