import { markdownTable } from '../lib/markdown';

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
