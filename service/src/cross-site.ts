/**
 * Requests another site's page makes: a page elsewhere may not change anything here with a visitor's
 * browser (their cookie). A cross-site `<form method=POST enctype=text/plain>` needs no script and no
 * CORS, so SameSite on the cookie is not enough: POST /sessions needs no cookie at all, and answers
 * with one that replaces the visitor's. Every method but GET and HEAD is checked, before routing.
 *
 * What the browser says decides, as Go's net/http CrossOriginProtection decides it:
 * - an Origin this service is told to trust (TRUSTED_ORIGINS: the names the CDN serves the page on,
 *   since behind CloudFront the Host is the load balancer's name) is allowed;
 * - `Sec-Fetch-Site` (every browser since 2023, to HTTPS and loopback): `same-origin` and `none` (the
 *   visitor's own navigation) are allowed; `cross-site` is refused, and so is `same-site`: a sibling
 *   subdomain is another party (another team's app, a host whose DNS was left dangling), SameSite
 *   cookies go to it, and the page never calls the API from another origin;
 * - without it (plain HTTP, or an older browser), `Origin`: allowed when its host and port are the
 *   request's Host (schemes differ behind a load balancer that ends TLS), refused otherwise, `null`
 *   (a sandboxed frame, a redirect) included;
 * - neither: not a browser (curl, an app, the load test), which has no visitor's cookie to abuse.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { show } from './validate';

export interface CrossSiteRefusal {
  /** The header that told: `Sec-Fetch-Site` or `Origin`. */
  readonly header: 'Sec-Fetch-Site' | 'Origin';
  /** Its value, as sent. */
  readonly value: string;
  readonly message: string;
}

/** `scheme://host[:port]` as a browser sends it in Origin: no path, no trailing slash, no user. */
export const ORIGIN_PATTERN = /^(https?):\/\/([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/i;
const HOST_PATTERN = /^([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/i;

const ALLOWED =
  "from this API's own page (Sec-Fetch-Site: same-origin), or from a client that is not a browser (no Sec-Fetch-Site, no Origin)";

/**
 * Whether an Origin is the request's own Host: the same name, and the same port, where the Host
 * without one stands for the Origin scheme's default (80, 443). The scheme itself is not compared: a
 * load balancer that ends TLS passes an https page's request on over HTTP. `null` is nobody's.
 */
function isOwn(origin: string, host: string | undefined): boolean {
  const o = ORIGIN_PATTERN.exec(origin);
  const h = host === undefined ? null : HOST_PATTERN.exec(host);
  if (!o || !h || o[2].toLowerCase() !== h[1].toLowerCase()) return false;
  const defaultPort = o[1].toLowerCase() === 'https' ? ':443' : ':80';
  return (h[2] ?? defaultPort) === (o[3] ?? defaultPort);
}

/**
 * Why a request that may change state is refused, or undefined when it may go on. `trusted` holds
 * origins in lower case.
 */
export function crossSiteRefusal(headers: IncomingHttpHeaders, trusted: ReadonlySet<string>): CrossSiteRefusal | undefined {
  const origin = headers.origin;
  if (origin !== undefined && trusted.has(origin.toLowerCase())) return undefined;
  const site = headers['sec-fetch-site'];
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return undefined;
    return {
      header: 'Sec-Fetch-Site',
      value: site,
      message: `a request from another site may not change anything here: Sec-Fetch-Site: ${show(site, 40)}${site === 'same-site' ? ' (a sibling subdomain is another site to this API)' : ''}; allowed: ${ALLOWED}`,
    };
  }
  if (origin === undefined) return undefined;
  if (isOwn(origin, headers.host)) return undefined;
  return {
    header: 'Origin',
    value: origin,
    message: `a request from another origin may not change anything here: Origin: ${show(origin, 120)} is not this API's origin; allowed: ${ALLOWED}`,
  };
}
