/**
 * The local edge (lib/local-edge.ts) in front of a stand-in API that echoes what it was sent: it
 * picks behaviours as CloudFront does and runs the distribution's own page function, so a path the
 * distribution would send elsewhere goes elsewhere here too.
 */
import { createServer, type Server } from 'node:http';
import { functionQueryString, type LocalEdge, normalizedAcceptEncoding, runPageFunction, startLocalEdge } from '../lib/local-edge';
import { CONTENT_TYPES } from '../lib/web-page';
import { send } from './service/support/http';

let api: Server;
let edge: LocalEdge;

beforeAll(async () => {
  // Answers with what reached it: method, target, the X-Forwarded-For it got and every header; and
  // says what the service says about an item read (which cache, which part of the data tier).
  api = createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json', 'X-Data-Cache': 'miss', 'X-Data-Source': 'reader' });
    response.end(
      JSON.stringify({
        api: true,
        method: request.method,
        url: request.url,
        forwardedFor: request.headers['x-forwarded-for'] ?? null,
        headers: request.headers,
      }),
    );
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  edge = await startLocalEdge(`http://127.0.0.1:${(api.address() as { port: number }).port}`);
});

afterAll(async () => {
  await edge?.stop();
  await new Promise((r) => api?.close(r));
});

const at = (target: string, method = 'GET') => send(edge.base, target, { method });
const fromApi = async (target: string, method = 'GET') => JSON.parse((await at(target, method)).body);

test('/web is the page behaviour of its own, whose function redirects it to /web/ with its query string, as sent', async () => {
  for (const [target, location] of [
    ['/web', '/web/'],
    ['/web?', '/web/'],
    ['/web?from=mail', '/web/?from=mail'],
    // Values stay percent-encoded, never encoded twice; a name sent twice keeps both values.
    ['/web?q=%E5%AE%B6&a=1&a=2&flag', '/web/?q=%E5%AE%B6&a=1&a=2&flag'],
    ['/web?next=%2Fweb%2F%3Fx%3D1', '/web/?next=%2Fweb%2F%3Fx%3D1'],
  ]) {
    const redirect = await at(target);
    expect([target, redirect.status, redirect.headers.location]).toEqual([target, 301, location]);
  }
});

test("the page function keeps the query string of the event CloudFront's documentation shows: multiValue and empty values", () => {
  // The querystring of the example event in "CloudFront Functions event structure".
  const querystring = {
    ID: { value: '42' },
    NoValue: { value: '' },
    querymv: { value: 'val1', multiValue: [{ value: 'val1' }, { value: 'val2,val3' }] },
  };
  expect(runPageFunction({ method: 'GET', uri: '/web', querystring, headers: {} })).toEqual({
    statusCode: 301,
    statusDescription: 'Moved Permanently',
    headers: { location: { value: '/web/?ID=42&NoValue&querymv=val1&querymv=val2,val3' } },
  });
  expect(runPageFunction({ method: 'GET', uri: '/web/', querystring, headers: {} })).toMatchObject({ uri: '/web/index.html', querystring });
  // The local edge builds that shape from a raw query string, as CloudFront does: nothing decoded.
  expect({ ...functionQueryString('ID=42&NoValue&querymv=val1&querymv=val2,val3&&q=%E5%AE%B6+x') }).toEqual({
    ...querystring,
    q: { value: '%E5%AE%B6+x' },
  });
  expect(Object.keys(functionQueryString('__proto__=x&constructor'))).toEqual(['__proto__', 'constructor']);
});

test('/web/ is index.html and /web/<file> the file, with its type and the page CSP; a file not in the bucket is 403, as S3 answers CloudFront', async () => {
  const index = await at('/web/');
  expect([index.status, index.headers['content-type'], index.headers['content-security-policy']]).toEqual([
    200,
    CONTENT_TYPES['.html'],
    expect.stringContaining("default-src 'none'"),
  ]);
  expect((await at('/web/app.js')).headers['content-type']).toBe(CONTENT_TYPES['.js']);
  expect((await at('/web/nothing-here.js')).status).toBe(403);
  const head = await at('/web/', 'HEAD');
  expect([head.status, head.body]).toEqual([200, '']);
});

test('the page behaviours allow GET and HEAD only: any other method is a 403, as from CloudFront', async () => {
  for (const method of ['POST', 'PUT', 'DELETE']) expect([method, (await at('/web/', method)).status]).toEqual([method, 403]);
});

test('/items/* allows GET and HEAD only: a write there never reaches the service (it would arrive without Origin, Sec-Fetch-Site or cookie)', async () => {
  const item = '/items/0f8fad5b-d9cb-469f-a165-70867728950e';
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
    const refused = await at(item, method);
    expect([method, refused.status, refused.body]).toEqual([
      method,
      403,
      'This distribution is not configured to allow the HTTP request method that was used for this request.',
    ]);
  }
  expect((await fromApi(item)).method).toBe('GET');
  expect((await at(item, 'HEAD')).status).toBe(200);
  // POST /items (creating one) is the default behaviour's: /items/* does not match it.
  expect((await fromApi('/items', 'POST')).method).toBe('POST');
});

test('the default behaviour allows the seven methods CloudFront forwards, and refuses any other with a 403', async () => {
  for (const method of ['GET', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'])
    expect([method, (await fromApi('/session', method)).method]).toEqual([method, method]);
  expect((await at('/session', 'PROPFIND')).status).toBe(403);
});

test('everything else is the API, query string and method as sent, with the viewer appended to X-Forwarded-For', async () => {
  expect(await fromApi('/?x=1')).toEqual({
    api: true,
    method: 'GET',
    url: '/?x=1',
    forwardedFor: '127.0.0.1',
    headers: expect.any(Object),
  });
  for (const target of ['/', '/website', '/WEB', '/WEB/', '/readyz', '//web/'])
    expect([target, (await fromApi(target)).api]).toEqual([target, true]);
  expect((await fromApi('/sessions', 'POST')).method).toBe('POST');
  const relayed = await send(edge.base, '/readyz', { headers: { 'X-Forwarded-For': '203.0.113.7' } });
  expect(JSON.parse(relayed.body).forwardedFor).toBe('203.0.113.7,127.0.0.1');
});

test("the service's answer headers reach the viewer as sent, on /items/* and the default behaviour: X-Data-Cache, X-Data-Source", async () => {
  for (const [target, method] of [
    ['/items/0f8fad5b-d9cb-469f-a165-70867728950e', 'GET'],
    ['/items/0f8fad5b-d9cb-469f-a165-70867728950e', 'HEAD'],
    ['/readyz', 'GET'],
  ]) {
    const answer = await at(target, method);
    expect([target, method, answer.headers['x-data-cache'], answer.headers['x-data-source']]).toEqual([target, method, 'miss', 'reader']);
  }
});

describe('/items/* reaches the service as CloudFront sends it: no origin request policy, a cache policy keyed on the path alone', () => {
  const item = '/items/0f8fad5b-d9cb-469f-a165-70867728950e';
  const viewer = {
    Cookie: '__Host-ztm-session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    Origin: 'https://elsewhere.example',
    'Sec-Fetch-Site': 'cross-site',
    'If-None-Match': '"i1-x"',
    'X-Request-Id': 'chosen-by-the-viewer',
    'User-Agent': 'curl/8.0',
    Accept: 'application/json',
    Authorization: 'Bearer x',
    'Accept-Encoding': 'gzip, deflate, br;q=0.9',
    'X-Forwarded-For': '203.0.113.7',
  };

  test("the path without its query string, and none of the viewer's headers: only CloudFront's own and the normalized Accept-Encoding", async () => {
    const reached = JSON.parse((await send(edge.base, `${item}?x=1&y=2`, { headers: viewer })).body);
    expect([reached.url, reached.headers]).toEqual([
      item,
      {
        host: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
        'user-agent': 'Amazon CloudFront',
        'x-forwarded-for': '203.0.113.7,127.0.0.1',
        'accept-encoding': 'br,gzip',
        connection: expect.any(String),
      },
    ]);
    const bare = JSON.parse((await send(edge.base, item, { headers: { 'Accept-Encoding': '' } })).body).headers;
    expect(bare['accept-encoding']).toBe('identity');
  });

  test('the default behaviour still gets every viewer header (AllViewerExceptHostHeader) but Host', async () => {
    const reached = JSON.parse((await send(edge.base, '/session?x=1', { headers: viewer })).body);
    expect([
      reached.url,
      reached.headers.cookie,
      reached.headers.origin,
      reached.headers['if-none-match'],
      reached.headers['user-agent'],
    ]).toEqual(['/session?x=1', viewer.Cookie, viewer.Origin, viewer['If-None-Match'], 'curl/8.0']);
  });

  test('Accept-Encoding as a cache policy with Gzip and Brotli sends it on: br,gzip, br, gzip or identity, never the rest', () => {
    expect(
      [undefined, '', 'gzip', 'br', 'gzip, br', 'BR;q=1, GZIP;q=0.5', 'deflate', '*', 'x-gzip'].map((sent) =>
        normalizedAcceptEncoding(sent),
      ),
    ).toEqual([undefined, 'identity', 'gzip', 'br', 'br,gzip', 'br,gzip', 'identity', 'identity', 'identity']);
  });
});
