import { headingAnchors, headingSlug, markdownLinks, markdownTable } from '../lib/markdown';

test('a generated table is padded as the formatter pads it: each column as wide as its widest cell, three dashes at least', () => {
  expect(
    markdownTable(
      ['', 'wide column'],
      [
        ['a', '2–6'],
        ['longer label', 'x'],
      ],
    ),
  ).toBe(
    [
      '|              | wide column |',
      '| ------------ | ----------- |',
      '| a            | 2–6         |',
      '| longer label | x           |',
    ].join('\n'),
  );
  expect(markdownTable(['k'], [['v']])).toBe(['| k   |', '| --- |', '| v   |'].join('\n'));
});

describe('anchors and links of a page', () => {
  test('a heading gets the anchor GitHub gives it: code ticks, emphasis and punctuation dropped, spaces as hyphens', () => {
    expect(headingSlug('Stage 1 — single server')).toBe('stage-1--single-server');
    expect(headingSlug('`npm run test:integration`')).toBe('npm-run-testintegration');
    expect(headingSlug('Moving between CDN stages (5 → 6)')).toBe('moving-between-cdn-stages-5--6');
    expect(headingSlug('**What** it [fixes](x.md), and why_not')).toBe('what-it-fixes-and-why_not');
  });

  test('a repeated heading is numbered, and a heading inside a code block is no heading', () => {
    const page = ['# Title', '## Notes', '```', '## Not a heading', '```', '## Notes', '<a id="custom"></a>'].join('\n');
    expect([...headingAnchors(page)]).toEqual(['title', 'notes', 'notes-1', 'custom']);
  });

  test('links are found with their line, also when their text wraps; links in code are not links', () => {
    const page = [
      'See [the stages](docs/stages.md#stage-1) and ![a picture](img.png "title").',
      'A [link that',
      'wraps](other.md) and `[not a link](in-code.md)`.',
      '```',
      '[nor this](in-block.md)',
      '```',
    ].join('\n');
    expect(markdownLinks(page)).toEqual([
      { target: 'docs/stages.md#stage-1', line: 1 },
      { target: 'img.png', line: 1 },
      { target: 'other.md', line: 2 },
    ]);
  });
});
