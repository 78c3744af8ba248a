/**
 * What the edge's constructs, the checks and the tests agree on, in one place that loads no CDK:
 * the distribution's behaviours and how CloudFront picks one, the page's viewer-request function and
 * headers, and which errors it must never keep. The local edge (lib/local-edge.ts) serves from the
 * same description, so what works there works on CloudFront.
 */

/** Where the page lives, on the CDN and locally: `/web/`. */
export const WEB_PATH = '/web/';

/** The AWS-managed prefix list of the addresses CloudFront reaches origins from. */
export const CLOUDFRONT_ORIGIN_FACING = 'com.amazonaws.global.cloudfront.origin-facing';

/** The answer a client over the firewall's rate limit gets (instead of WAF's default empty 403). */
export const RATE_LIMITED_BODY = JSON.stringify({ error: 'too many requests from this address; slow down and retry in a few minutes' });

/**
 * The method sets CloudFront lets a behaviour allow (its AllowedMethods); it answers any other
 * method with 403: "CloudFront returns a 403 (Invalid method) error if you're trying to use an HTTP
 * method that you haven't specified in the CloudFront distribution."
 *
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-403-invalid-method.html
 */
export const CLOUDFRONT_METHOD_SETS = {
  read: ['GET', 'HEAD'],
  readAndOptions: ['GET', 'HEAD', 'OPTIONS'],
  all: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
} as const;
export type EdgeMethods = (typeof CLOUDFRONT_METHOD_SETS)[keyof typeof CLOUDFRONT_METHOD_SETS];

/** What the default behaviour (the API: writes, sessions, health) allows: every method CloudFront forwards. */
export const DEFAULT_BEHAVIOUR_METHODS: EdgeMethods = CLOUDFRONT_METHOD_SETS.all;

/** One of the distribution's behaviours besides the default (the API, never cached, with the viewer's headers). */
export interface EdgeBehaviour {
  /** CloudFront's path pattern: `*` is any run of characters (slashes too), `?` exactly one; case-sensitive. */
  readonly pathPattern: string;
  /**
   * `items`: the API, cached for as long as its Cache-Control says, keyed on the path alone.
   * `page`: the static page's bucket, each request through PAGE_FUNCTION_CODE first.
   */
  readonly serves: 'items' | 'page';
  /**
   * The methods it allows; CloudFront refuses others with a 403 before any origin sees them. Reads
   * only for both: the page is files, and `/items/*` forwards no Origin, Sec-Fetch-Site or cookie
   * (its cache key is the path alone, with no origin request policy), so a write there would reach
   * the service looking like `curl` and pass its cross-site check. No route under `/items/` writes;
   * OPTIONS is left out too: the page is on the API's own names, so no browser sends a preflight,
   * and the service answers OPTIONS with 405 anyway.
   */
  readonly methods: EdgeMethods;
}

/**
 * The behaviours in the distribution's order. CloudFront compares the path with each pattern in this
 * order and the first match wins; a path that matches none goes to the default behaviour. `/web`
 * needs a behaviour of its own for its redirect to `/web/`: `/web/*` does not match it, and `/web*`
 * would take `/website` and any other API path that begins with `/web`.
 */
export const EDGE_BEHAVIOURS: readonly EdgeBehaviour[] = [
  { pathPattern: '/items/*', serves: 'items', methods: CLOUDFRONT_METHOD_SETS.read },
  { pathPattern: WEB_PATH.slice(0, -1), serves: 'page', methods: CLOUDFRONT_METHOD_SETS.read },
  { pathPattern: `${WEB_PATH}*`, serves: 'page', methods: CLOUDFRONT_METHOD_SETS.read },
];

/**
 * Whether a path matches a path pattern, as CloudFront compares them: the whole path (without its
 * query string), case-sensitive, `*` for zero or more characters and `?` for exactly one, with or
 * without the pattern's leading `/`.
 */
export function matchesPathPattern(pattern: string, path: string): boolean {
  const rooted = pattern.startsWith('/') ? pattern : `/${pattern}`;
  const source = [...rooted].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 's').test(path);
}

/** The behaviour CloudFront applies to a request for `path` (its query string is ignored); undefined: the default. */
export function behaviourOf(path: string): EdgeBehaviour | undefined {
  const bare = path.split('?')[0];
  return EDGE_BEHAVIOURS.find((b) => matchesPathPattern(b.pathPattern, bare));
}

/** Whether CloudFront forwards a request with `method` for `path`, by the methods its behaviour allows. */
export function allowsMethod(path: string, method: string): boolean {
  return ((behaviourOf(path)?.methods ?? DEFAULT_BEHAVIOUR_METHODS) as readonly string[]).includes(method);
}

/**
 * The page behaviours' viewer-request function (cloudfront-js-2.0): `/web` redirects to `/web/`,
 * keeping the query string, and a path ending in `/` is its index.html.
 *
 * A function gets the query string as an object, a field per name with its `value` as the viewer
 * sent it (still percent-encoded) and, for a name sent more than once, every value in `multiValue`;
 * so the redirect writes each value back as it came, never encoding it twice. (Each name's values
 * come out together, in the order JavaScript lists the object's fields; `a=` comes out as `a`.)
 *
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html
 */
export const PAGE_FUNCTION_CODE = [
  'function handler(event) {',
  '  var request = event.request;',
  `  if (request.uri === '${WEB_PATH.slice(0, -1)}') {`,
  '    var query = [];',
  '    for (var name in request.querystring) {',
  '      var field = request.querystring[name];',
  '      var values = field.multiValue || [field];',
  "      for (var i = 0; i < values.length; i++) query.push(values[i].value === '' ? name : name + '=' + values[i].value);",
  '    }',
  `    var location = '${WEB_PATH}' + (query.length > 0 ? '?' + query.join('&') : '');`,
  "    return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: location } } };",
  '  }',
  "  if (request.uri.endsWith('/')) request.uri += 'index.html';",
  '  return request;',
  '}',
].join('\n');

/** The page's content security policy: its own scripts, styles and API only, never framed. */
export const PAGE_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The origin answers CloudFront keeps for the error-caching minimum TTL (10 s unless set) that the
 * distribution sets to 0 seconds, so none is served to anyone but the viewer it was for:
 * - 500, 502, 503 and 504: CloudFront keeps them whatever `no-store` says: a database blip's 503
 *   for an item would otherwise be every viewer's answer for 10 s;
 * - 501: kept when the origin (or the load balancer) sends no Cache-Control;
 * - 404: an item a lagging reader has not seen yet exists a moment later;
 * - 405: kept only with a max-age today, which the service never sends on an error, but an older
 *   version of CloudFront's list keeps it always; at 0 s it is not kept under either.
 * 414 is left as it is (the same URL is always too long); 400, 403, 412 and 415 are kept only with
 * a max-age, as 405 is; 416 and 429 are never kept (and 429 cannot be configured: WAF's 429 is
 * CloudFront's own answer, not the origin's).
 *
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HTTPStatusCodes.html
 */
export const UNCACHED_ERROR_CODES: readonly number[] = [404, 405, 500, 501, 502, 503, 504];
