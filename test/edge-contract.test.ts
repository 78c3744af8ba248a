/**
 * What the edge agrees on (lib/edge-contract.ts): how CloudFront matches a path against a path
 * pattern and picks a behaviour, which the distribution and the local edge both follow.
 */
import {
  allowsMethod,
  behaviourOf,
  CLOUDFRONT_METHOD_SETS,
  EDGE_BEHAVIOURS,
  matchesPathPattern,
  UNCACHED_ERROR_CODES,
} from '../lib/edge-contract';

test('a path pattern matches the whole path, case-sensitive: * is any run of characters (slashes too), ? exactly one', () => {
  const cases: [string, string, boolean][] = [
    ['/web/*', '/web/', true],
    ['/web/*', '/web/app.js', true],
    ['/web/*', '/web/a/b/c.css', true],
    // The defect CloudFront had: /web/* does not match /web.
    ['/web/*', '/web', false],
    ['/web', '/web', true],
    ['/web', '/web/', false],
    ['/web', '/WEB', false],
    ['/items/*', '/items', false],
    ['/items/*', '/Items/x', false],
    ['*.jpg', '/images/a.jpg', true],
    ['*.jpg', '/LOGO.JPG', false],
    ['images/*.jpg', '/images/product1/a.jpg', true],
    ['/a??.jpg', '/ant.jpg', true],
    ['/a??.jpg', '/at.jpg', false],
    ['*.doc*', '/x.docx', true],
    // Pattern characters other than * and ? are literal.
    ['/a.b', '/axb', false],
    ['/$x+', '/$x+', true],
  ];
  expect(cases.map(([pattern, path]) => [pattern, path, matchesPathPattern(pattern, path)])).toEqual(cases);
});

test('the first matching behaviour wins, the query string is not part of the path, and the rest is the default (undefined)', () => {
  expect(behaviourOf('/web')?.serves).toBe('page');
  expect(behaviourOf('/web?from=mail')?.serves).toBe('page');
  expect(behaviourOf('/web/index.html')?.serves).toBe('page');
  expect(behaviourOf('/items/0f8fad5b-d9cb-469f-a165-70867728950e?x=1')?.serves).toBe('items');
  for (const api of ['/', '/website', '/WEB/', '/readyz', '/items', '/sessions', '//web/'])
    expect([api, behaviourOf(api)]).toEqual([api, undefined]);
});

test('every behaviour is reachable: none is shadowed by one before it, and none is the default pattern', () => {
  for (const [i, b] of EDGE_BEHAVIOURS.entries()) {
    expect(b.pathPattern).not.toBe('*');
    // A path the pattern matches (its wildcards filled in) that no earlier behaviour takes.
    const sample = b.pathPattern.replace(/\*/g, 'x').replace(/\?/g, 'y');
    expect([b.pathPattern, behaviourOf(sample)]).toEqual([b.pathPattern, EDGE_BEHAVIOURS[i]]);
  }
});

test('the errors never kept are 404, 405 (always kept, in an older CloudFront list) and every 5xx CloudFront keeps, and only codes CloudFront lets one configure', () => {
  expect(UNCACHED_ERROR_CODES).toEqual([404, 405, 500, 501, 502, 503, 504]);
  const configurable = [400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504];
  for (const code of UNCACHED_ERROR_CODES) expect(configurable).toContain(code);
});

test('reads only where the service sees no Origin, Sec-Fetch-Site or cookie (/items/*) and on the page; every method CloudFront forwards elsewhere', () => {
  expect(EDGE_BEHAVIOURS.map((b) => [b.pathPattern, b.methods])).toEqual([
    ['/items/*', ['GET', 'HEAD']],
    ['/web', ['GET', 'HEAD']],
    ['/web/*', ['GET', 'HEAD']],
  ]);
  const item = '/items/0f8fad5b-d9cb-469f-a165-70867728950e';
  expect(CLOUDFRONT_METHOD_SETS.all.filter((m) => allowsMethod(item, m))).toEqual(['GET', 'HEAD']);
  expect(CLOUDFRONT_METHOD_SETS.all.filter((m) => allowsMethod('/items', m))).toEqual(CLOUDFRONT_METHOD_SETS.all);
  expect(allowsMethod('/', 'PROPFIND')).toBe(false);
});
