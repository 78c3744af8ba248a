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

/** The page without its fenced code blocks (their lines left empty, so line numbers hold). */
function withoutCodeBlocks(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker) {
      fence = marker;
      return '';
    }
    if (fence !== undefined) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
      return '';
    }
    return line;
  });
}

/**
 * The anchor GitHub gives a heading: its text as rendered (no code ticks, emphasis or link targets),
 * lower case, every character that is not a letter, a digit, `_`, `-` or a space dropped, spaces as
 * hyphens. A repeated heading gets `-1`, `-2`, ... (see `headingAnchors`).
 */
export function headingSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/(\*\*|__|\*)/g, '');
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a page offers to a `#fragment`: its headings (outside code) and its `<a id>`/`<a name>`. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutCodeBlocks(markdown)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      const slug = headingSlug(heading);
      const n = seen.get(slug) ?? 0;
      seen.set(slug, n + 1);
      anchors.add(n === 0 ? slug : `${slug}-${n}`);
    }
    for (const [, id] of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id);
  }
  return anchors;
}

/** A link of a page: where it points, and the line it is on (1-based). */
export interface MarkdownLink {
  readonly target: string;
  readonly line: number;
}

/** The inline links and images of a page, outside code blocks and code spans; link text may wrap. */
export function markdownLinks(markdown: string): MarkdownLink[] {
  // Code spans blanked to spaces of the same length, so offsets still give line numbers.
  const text = withoutCodeBlocks(markdown)
    .join('\n')
    .replace(/`[^`\n]*`/g, (span) => ' '.repeat(span.length));
  return [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => ({
    target: match[1],
    line: text.slice(0, match.index).split('\n').length,
  }));
}
