/**
 * Validation (service/src/validate.ts): the rules both stores can hold, and messages that name the
 * field, the value and what is allowed. (That it accepts exactly what the OpenAPI document's NewItem
 * schema accepts is in openapi.test.ts.)
 */
import { LIMITS, parseNewItem, show } from '../../service/src/validate';
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

test('every problem is reported at once', () => {
  expect(() => parseNewItem(JSON.stringify({ name: '', colour: 'red', attributes: { ok: 1, bad: null, ['k'.repeat(65)]: 1 } }))).toThrow(
    [
      '"colour": unknown field; allowed fields: name, attributes',
      'name: got ""; allowed: a string of 1 to 200 characters, not only white space, well-formed Unicode without U+0000',
      'attributes.bad: got null; allowed: a string of at most 1000 characters, well-formed Unicode without U+0000; a number from -9007199254740991 to 9007199254740991 that is 0 or at least 1e-130 in magnitude; or a boolean',
      `attributes: got the key "${'k'.repeat(59)}…; allowed: a key of 1 to 64 characters, well-formed Unicode without U+0000, other than "__proto__"`,
    ].join('; '),
  );
  expect(() =>
    parseNewItem(JSON.stringify({ name: 'x', attributes: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) })),
  ).toThrow('attributes: got 51 keys; allowed: at most 50');
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
