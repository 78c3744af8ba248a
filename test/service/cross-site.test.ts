/**
 * Requests another site's page makes (service/src/cross-site.ts): which a request that may change
 * state is refused for, and what the refusal names. (Through the routes, in app.test.ts; in a real
 * browser, in test/integration/page.itest.ts.)
 */
import type { IncomingHttpHeaders } from 'node:http';
import { crossSiteRefusal } from '../../service/src/cross-site';

const API = 'api.example.com';
const NONE = new Set<string>();

describe('Sec-Fetch-Site decides when the browser sends it', () => {
  test.each([
    ['same-origin', undefined],
    ['none', undefined],
    ['cross-site', 'Sec-Fetch-Site'],
    ['same-site', 'Sec-Fetch-Site'],
    // Anything a browser does not send (two joined, another case, garbage) is not taken as ours.
    ['same-origin, cross-site', 'Sec-Fetch-Site'],
    ['Same-Origin', 'Sec-Fetch-Site'],
    ['', 'Sec-Fetch-Site'],
  ])('Sec-Fetch-Site: %j → %s', (site, refusedBy) => {
    expect(crossSiteRefusal({ host: API, 'sec-fetch-site': site }, NONE)?.header).toBe(refusedBy);
  });

  test('it outranks Origin: a same-origin Origin with Sec-Fetch-Site cross-site is refused, and the other way round allowed', () => {
    expect(crossSiteRefusal({ host: API, origin: `https://${API}`, 'sec-fetch-site': 'cross-site' }, NONE)?.header).toBe('Sec-Fetch-Site');
    // Behind the CDN the Host is the load balancer's name: the browser's word is what counts.
    expect(
      crossSiteRefusal({ host: 'stage5-origin.api.example.com', origin: `https://${API}`, 'sec-fetch-site': 'same-origin' }, NONE),
    ).toBe(undefined);
  });

  test('the refusal names the header, the value and what is allowed; same-site says why a sibling is refused', () => {
    expect(crossSiteRefusal({ host: API, 'sec-fetch-site': 'cross-site' }, NONE)).toEqual({
      header: 'Sec-Fetch-Site',
      value: 'cross-site',
      message:
        'a request from another site may not change anything here: Sec-Fetch-Site: "cross-site"; allowed: ' +
        "from this API's own page (Sec-Fetch-Site: same-origin), or from a client that is not a browser (no Sec-Fetch-Site, no Origin)",
    });
    expect(crossSiteRefusal({ host: API, 'sec-fetch-site': 'same-site' }, NONE)?.message).toContain(
      'Sec-Fetch-Site: "same-site" (a sibling subdomain is another site to this API)',
    );
  });
});

describe('without Sec-Fetch-Site (plain HTTP, older browsers): Origin against the Host', () => {
  test.each<[string, IncomingHttpHeaders, string | undefined]>([
    ['the same host', { host: API, origin: `https://${API}` }, undefined],
    [
      'the same host over HTTP behind a load balancer ending TLS (schemes are not compared)',
      { host: API, origin: `http://${API}` },
      undefined,
    ],
    ['the same host and port', { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080' }, undefined],
    ['in another case (host names are not case-sensitive)', { host: 'API.Example.com', origin: `https://${API}` }, undefined],
    ['another host', { host: API, origin: 'https://evil.example' }, 'Origin'],
    ['a sibling subdomain', { host: API, origin: 'https://blog.example.com' }, 'Origin'],
    ['a suffix of the host', { host: API, origin: 'https://example.com' }, 'Origin'],
    ['the host with more after it', { host: API, origin: `https://${API}.evil.example` }, 'Origin'],
    ['the same host on another port', { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8081' }, 'Origin'],
    ['the same host where only the Host names the default port', { host: `${API}:443`, origin: `https://${API}` }, undefined],
    ['the same host where only the Origin names the default port', { host: API, origin: `http://${API}:80` }, undefined],
    ['the same host where the Host names the other default port', { host: `${API}:80`, origin: `https://${API}` }, 'Origin'],
    ['the same host where the Origin names a port the Host leaves out', { host: '127.0.0.1', origin: 'http://127.0.0.1:8080' }, 'Origin'],
    ['an IPv6 host', { host: '[::1]:8080', origin: 'http://[::1]:8080' }, undefined],
    ['null (a sandboxed frame, a redirect)', { host: API, origin: 'null' }, 'Origin'],
    ['with a path', { host: API, origin: `https://${API}/` }, 'Origin'],
    ['without a Host', { origin: `https://${API}` }, 'Origin'],
    ['the Host of the load balancer behind the CDN', { host: 'stage5-origin.api.example.com', origin: `https://${API}` }, 'Origin'],
  ])('Origin %s → %s', (_case, headers, refusedBy) => {
    expect(crossSiteRefusal(headers, NONE)?.header).toBe(refusedBy);
  });

  test('neither header: not a browser (curl, an app), allowed', () => {
    expect(crossSiteRefusal({ host: API }, NONE)).toBe(undefined);
    expect(crossSiteRefusal({}, NONE)).toBe(undefined);
  });

  test('the refusal names the Origin as sent, not the Host (behind the CDN that is an internal name)', () => {
    const refusal = crossSiteRefusal({ host: 'stage5-origin.api.example.com', origin: 'https://evil.example' }, NONE);
    expect(refusal).toEqual({
      header: 'Origin',
      value: 'https://evil.example',
      message: expect.stringMatching(
        /^a request from another origin may not change anything here: Origin: "https:\/\/evil.example" is not/,
      ),
    });
    expect(refusal?.message).not.toContain('stage5-origin');
  });
});

describe('trusted origins (the names the CDN serves the page on)', () => {
  const trusted = new Set([`https://${API}`, 'https://stage5.api.example.com']);
  test('are allowed whatever Host the service sees', () => {
    expect(crossSiteRefusal({ host: 'stage5-origin.api.example.com', origin: 'https://stage5.api.example.com' }, trusted)).toBe(undefined);
    expect(crossSiteRefusal({ host: 'stage5-origin.api.example.com', origin: 'https://API.example.com' }, trusted)).toBe(undefined);
  });
  test('trust no other origin', () => {
    expect(crossSiteRefusal({ host: 'stage5-origin.api.example.com', origin: 'https://stage6.api.example.com' }, trusted)?.header).toBe(
      'Origin',
    );
    expect(crossSiteRefusal({ host: API, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, trusted)?.header).toBe(
      'Sec-Fetch-Site',
    );
  });
});
