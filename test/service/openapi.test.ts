/**
 * The OpenAPI document (service/src/openapi.ts): built from the router's route table and the
 * validation's limits, and accepting exactly the bodies the validation accepts (ajv against
 * parseNewItem, for bodies on and around every limit), so the two cannot drift. (That real answers
 * match it, every documented one reached, is checked on real engines in
 * test/integration/service.itest.ts.)
 */
import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import { CACHE_CONTROL, openApiDocument, ROUTES } from '../../service/src/openapi';
import { LIMITS } from '../../service/src/validate';
import { accepts } from './support/validation';

const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const document = openApiDocument('9.9.9') as Record<string, any>;

test('every route of the router is documented, with HEAD wherever GET is, and nothing else', () => {
  const documented = Object.entries(document.paths as Record<string, object>).flatMap(([path, operations]) =>
    Object.keys(operations).map((m) => `${m.toUpperCase()} ${path}`),
  );
  expect(documented.sort()).toEqual(ROUTES.flatMap((r) => r.methods.map((m) => `${m} ${r.path}`)).sort());
  for (const route of ROUTES) if (route.methods.includes('GET' as never)) expect(route.methods).toContain('HEAD');
});

test("every operation but GET and HEAD documents the 403 another site's page gets, naming the header and its value", () => {
  const writes = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([method]) => method !== 'get' && method !== 'head')
      .map(([method, operation]) => [`${method} ${path}`, operation.responses[403]?.content['application/json'].schema.$ref]),
  );
  expect(writes).toEqual(
    ['post /items', 'post /sessions', 'delete /session', 'post /session/views'].map((w) => [w, '#/components/schemas/CrossSiteRefusal']),
  );
  expect(document.components.schemas.CrossSiteRefusal.properties.header.enum).toEqual(['Sec-Fetch-Site', 'Origin']);
});

test('the request schema carries the limits the validation enforces', () => {
  const { name, attributes } = document.components.schemas.NewItem.properties;
  expect([name.maxLength, attributes.maxProperties, attributes.propertyNames.maxLength, attributes.propertyNames.not.enum]).toEqual([
    LIMITS.nameLength,
    LIMITS.attributes,
    LIMITS.attributeKeyLength,
    LIMITS.reservedKeys,
  ]);
  const [text, number] = attributes.additionalProperties.oneOf;
  expect([text.maxLength, number.minimum, number.maximum, number.not.exclusiveMaximum]).toEqual([
    LIMITS.attributeValueLength,
    -LIMITS.largestNumber,
    LIMITS.largestNumber,
    LIMITS.smallestNumber,
  ]);
});

test("the version and the caching rules are the service's own", () => {
  expect(document.info.version).toBe('9.9.9');
  expect(document.components.headers['Cache-Control'].schema.enum).toEqual(Object.values(CACHE_CONTROL));
});

test('the validation accepts a body exactly when the OpenAPI NewItem schema does', () => {
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  ajv.addSchema(openApiDocument('test'), 'openapi.json');
  const schema = ajv.getSchema('openapi.json#/components/schemas/NewItem')!;
  // A valid body, with values on each limit, and half the time one defect: a value just past a
  // limit, a character a rule is about, or a wrong shape. Both answers are common and every rule
  // decides some cases.
  const safe = fc.constantFrom('a', 'é', '😀', ' ', '"', '\n');
  const text = (min: number, max: number) =>
    fc.oneof(fc.string({ minLength: min, maxLength: Math.min(max, 12), unit: safe }), fc.constantFrom('x'.repeat(max), '😀'.repeat(max)));
  const name = text(1, LIMITS.nameLength).filter((n) => n.trim() !== '');
  const number = fc.oneof(
    fc.integer(),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    fc.constantFrom(0, -0, 1e-130, -1e-130, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER),
  );
  const value = fc.oneof(text(0, LIMITS.attributeValueLength), number, fc.boolean());
  const attributes = fc.oneof(
    fc.dictionary(text(1, LIMITS.attributeKeyLength), value, { maxKeys: 4 }),
    fc.constant(Object.fromEntries(Array.from({ length: LIMITS.attributes }, (_, i) => [`k${i}`, i]))),
  );
  const base = fc.record({ name, attributes }, { requiredKeys: ['name'] });
  const bad = fc.constantFrom('\u0000', '\ud800', '\udc00', '\udbff\ud800');
  type Body = Record<string, any>;
  const withAttribute = (b: Body, key: string, v: unknown) => ({ ...b, attributes: { ...b.attributes, [key]: v } });
  const defect: fc.Arbitrary<(b: Body) => unknown> = fc.oneof(
    fc
      .constantFrom('', ' \n', 'x'.repeat(LIMITS.nameLength + 1), `${'😀'.repeat(LIMITS.nameLength)}x`, 42, null)
      .map((n) => (b: Body) => ({ ...b, name: n })),
    bad.map((c) => (b: Body) => ({ ...b, name: `${b.name.slice(0, 5)}${c}` })),
    fc.constant((b: Body) => ({ attributes: b.attributes })),
    fc.constant((b: Body) => ({ ...b, extra: 1 })),
    fc.constantFrom(null, [], 'x', 1).map((a) => (b: Body) => ({ ...b, attributes: a })),
    fc.constant((b: Body) => ({
      ...b,
      attributes: Object.fromEntries(Array.from({ length: LIMITS.attributes + 1 }, (_, i) => [`k${i}`, i])),
    })),
    fc
      .constantFrom('', 'x'.repeat(LIMITS.attributeKeyLength + 1), `${'😀'.repeat(LIMITS.attributeKeyLength)}x`, '__proto__')
      .map((k) => (b: Body) => withAttribute(b, k, 1)),
    bad.map((c) => (b: Body) => withAttribute(b, `k${c}`, 1)),
    bad.map((c) => (b: Body) => withAttribute(b, 'k', `v${c}`)),
    fc
      .constantFrom('x'.repeat(LIMITS.attributeValueLength + 1), `${'😀'.repeat(LIMITS.attributeValueLength)}x`)
      .map((v) => (b: Body) => withAttribute(b, 'k', v)),
    fc
      .constantFrom(9.99e-131, -1e-131, Number.MAX_SAFE_INTEGER + 1, -Number.MAX_SAFE_INTEGER - 1, 1.2345678901234567e19, 1e200, -1e-200)
      .map((n) => (b: Body) => withAttribute(b, 'k', n)),
    fc.constantFrom(null, [1], { a: 1 }).map((v) => (b: Body) => withAttribute(b, 'k', v)),
    fc.jsonValue({ maxDepth: 2 }).map((v) => () => v),
  );
  const body = fc.tuple(base, fc.option(defect, { freq: 2 })).map(([b, d]) => (d ? d(b) : b));
  let accepted = 0;
  fc.assert(
    fc.property(body, (b) => {
      // What the service receives is JSON text: the schema judges the same parsed value.
      const parsed = JSON.parse(JSON.stringify(b) ?? 'null');
      const verdict = accepts(parsed);
      if (verdict) accepted++;
      return verdict === schema(parsed);
    }),
    { seed: FUZZ_SEED, numRuns: FUZZ_RUNS },
  );
  // Both answers were common, or the test decided little.
  expect(accepted / FUZZ_RUNS).toBeGreaterThan(0.2);
  expect(accepted / FUZZ_RUNS).toBeLessThan(0.8);
});
