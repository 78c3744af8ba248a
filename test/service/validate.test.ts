/**
 * Validation (service/src/validate.ts): the rules both stores can hold, and messages that name the
 * field, the value and what is allowed. (That it accepts exactly what the OpenAPI document's NewItem
 * schema accepts is in openapi.test.ts.)
 */
import { LIMITS, parseNewItem, parseView, show } from '../../service/src/validate';
import { accepts } from './support/validation';

test('a valid item is taken as it is', () => {
  expect(
    parseNewItem('{"name":"lamp","attributes":{"colour":"blue","watts":40,"dimmable":true,"price":9.5,"zero":0,"tiny":1e-130}}'),
  ).toEqual({
    name: 'lamp',
    attributes: { colour: 'blue', watts: 40, dimmable: true, price: 9.5, zero: 0, tiny: 1e-130 },
  });
  expect(parseNewItem('{"name":"no attributes"}')).toEqual({ name: 'no attributes', attributes: {} });
});

test('lengths count characters (code points), as JSON Schema does: 200 emoji are a valid name, 201 are not', () => {
  expect(accepts({ name: '😀'.repeat(LIMITS.nameLength) })).toBe(true);
  expect(accepts({ name: '😀'.repeat(LIMITS.nameLength + 1) })).toBe(false);
  expect(accepts({ name: 'x', attributes: { ['é'.repeat(LIMITS.attributeKeyLength)]: 'y'.repeat(LIMITS.attributeValueLength) } })).toBe(
    true,
  );
});

test('numbers both stores hold exactly: within ±(2^53 − 1), and 0 or at least 1e-130 in magnitude', () => {
  for (const n of [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e-130, -1e-130, 0, 0.1, 123.456])
    expect([n, accepts({ name: 'x', attributes: { n } })]).toEqual([n, true]);
  for (const n of [Number.MAX_SAFE_INTEGER + 2, 1e200, 9e-131, -1e-200])
    expect([n, accepts({ name: 'x', attributes: { n } })]).toEqual([n, false]);
});

test('every problem is reported at once: those of the known fields first, then the unknown fields', () => {
  expect(() => parseNewItem(JSON.stringify({ name: '', colour: 'red', attributes: { ok: 1, bad: null, ['k'.repeat(65)]: 1 } }))).toThrow(
    [
      'name: got ""; allowed: a string of 1 to 200 characters, not only white space, well-formed Unicode without U+0000',
      'attributes.bad: got null; allowed: a string of at most 1000 characters, well-formed Unicode without U+0000; a number from -9007199254740991 to 9007199254740991 that is 0 or at least 1e-130 in magnitude; or a boolean',
      `attributes: got the key "${'k'.repeat(59)}…; allowed: a key of 1 to 64 characters, well-formed Unicode without U+0000, other than "__proto__"`,
      '"colour": unknown field; allowed fields: name, attributes',
    ].join('; '),
  );
  expect(() =>
    parseNewItem(JSON.stringify({ name: 'x', attributes: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) })),
  ).toThrow('attributes: got 51 keys; allowed: at most 50');
});

/** The message a body is refused with. */
const refusal = (parse: () => unknown): string => {
  try {
    parse();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the body was taken');
};

test('past LIMITS.problemsNamed problems, the first are named and the rest counted: 2,080 unknown fields are a 640-byte answer, not 120 KB', () => {
  const fields = Object.fromEntries(Array.from({ length: 2080 }, (_, i) => [i.toString(36).padStart(3, '0'), 0]));
  const body = JSON.stringify({ name: 'x', ...fields });
  expect(body.length).toBeGreaterThan(16_000);
  const message = refusal(() => parseNewItem(body));
  expect(message).toMatch(/^2080 problems, the first 10 named: "100": unknown field; allowed fields: name, attributes; .*; and 2070 more$/);
  expect(message.split('unknown field').length - 1).toBe(LIMITS.problemsNamed);
  expect(message.length).toBeLessThan(700);
  // Exactly at the limit, every problem is named and none is counted.
  const ten = refusal(() =>
    parseNewItem(JSON.stringify({ name: 'x', ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`u${i}`, 0])) })),
  );
  expect([ten.split('unknown field').length - 1, ten.startsWith('"u0": unknown field'), ten.includes('more')]).toEqual([10, true, false]);
  // The known fields' problems come first, so a bad name is named whatever else the body holds.
  expect(refusal(() => parseNewItem(JSON.stringify({ ...fields, name: 7 })))).toMatch(
    /^2081 problems, the first 10 named: name: got 7; allowed: /,
  );
  expect(refusal(() => parseView(JSON.stringify({ ...fields, id: 'nope' })))).toMatch(
    /^2081 problems, the first 10 named: id: got "nope"; .*; and 2071 more$/,
  );
});

test('the largest refusal a body can earn is a few kilobytes: the worst problem of each kind, named ten times', () => {
  const key = (i: number) => `${'k'.repeat(LIMITS.attributeKeyLength - 2)}${String(i).padStart(2, '0')}`;
  const attributes = Object.fromEntries(
    Array.from({ length: LIMITS.attributes }, (_, i) => [key(i), 'v'.repeat(LIMITS.attributeValueLength + 1)]),
  );
  const message = refusal(() => parseNewItem(JSON.stringify({ name: '\u0000'.repeat(500), attributes, ['u'.repeat(5000)]: 1 })));
  expect(message).toMatch(/^5\d problems, the first 10 named: name: got /);
  expect(Buffer.byteLength(JSON.stringify({ error: message }))).toBeLessThan(4096);
});

test('a value is shown briefly, however long or deep: never serialised whole', () => {
  expect(show('x'.repeat(1000))).toBe(`"${'x'.repeat(59)}…`);
  expect(show([1, [2, [3, [4, [5]]]]])).toBe('[1,[2,[3,[…]]]]');
  let deep: unknown = [];
  for (let i = 0; i < 100_000; i++) deep = [deep];
  expect(show(deep)).toBe('[[[[…]]]]');
  expect(show(Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`key${i}`, i]))).length).toBeLessThanOrEqual(61);
  expect([show(undefined), show(null), show(1e-200), show(true)]).toEqual(['undefined', 'null', '1e-200', 'true']);
});
