/**
 * The CDN of stages 5 and up on loopback, for `npm run local` and the page's browser test: one
 * origin that serves the page and passes the rest to the service, picking the behaviour for each
 * request as CloudFront does, from the same description the distribution is built from
 * (lib/edge-contract.ts): the behaviours in their order, the first whose path pattern matches wins
 * (case-sensitive, query string ignored), the rest goes to the default behaviour. A page behaviour
 * runs the distribution's own viewer-request function (in a fresh VM context, as `handler(event)`)
 * and reads the page's files from web/ at each request; an API behaviour forwards to the service
 * what CloudFront would (originRequest): the default behaviour the viewer's headers, `/items/*`
 * the path and CloudFront's own headers only. A method the behaviour
 * does not allow (anything but GET and HEAD for the page and `/items/*`) is refused with a 403
 * before either, as CloudFront refuses it. It caches nothing: what the edge would keep is tested in
 * the template.
 */
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { Script } from 'node:vm';
import { allowsMethod, behaviourOf, PAGE_CONTENT_SECURITY_POLICY, PAGE_FUNCTION_CODE, WEB_PATH } from './edge-contract';
import { pageFiles } from './web-page';

export interface LocalEdge {
  readonly port: number;
  /** The page: http://127.0.0.1:<port>/web/ */
  readonly pageUrl: string;
  readonly base: string;
  stop(): Promise<void>;
}

/** A query string parameter, header or cookie in a CloudFront Functions event: `multiValue` when sent more than once. */
interface FunctionField {
  value: string;
  multiValue?: { value: string }[];
}
/** The part of a CloudFront Functions viewer-request event the page function reads. */
interface FunctionRequest {
  method: string;
  uri: string;
  querystring: Record<string, FunctionField>;
  headers: Record<string, { value: string }>;
}
/** What a viewer-request function may return instead of the request: an answer of its own. */
interface FunctionResponse {
  statusCode: number;
  statusDescription?: string;
  headers?: Record<string, { value: string }>;
}

const pageFunction = new Script(`${PAGE_FUNCTION_CODE}\nhandler(event)`);

/** Runs the page's viewer-request function as CloudFront does: the (possibly changed) request, or an answer. */
export function runPageFunction(request: FunctionRequest): FunctionRequest | FunctionResponse {
  return pageFunction.runInNewContext({ event: { version: '1.0', request } });
}

function functionRequest(request: IncomingMessage, path: string, query: string): FunctionRequest {
  const headers: Record<string, { value: string }> = {};
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined) headers[name] = { value: Array.isArray(value) ? value.join(',') : value };
  return { method: request.method ?? 'GET', uri: path, querystring: functionQueryString(query), headers };
}

/**
 * A query string as CloudFront Functions presents it: a field per name, names and values as the
 * viewer sent them (not percent-decoded), the first value in `value` and, for a name sent more than
 * once, all of them in `multiValue`.
 */
export function functionQueryString(query: string): Record<string, FunctionField> {
  // No prototype: a parameter named __proto__ is a parameter like any other.
  const fields: Record<string, FunctionField> = Object.create(null);
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const [name, value] = eq === -1 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    const field = fields[name];
    if (field === undefined) {
      fields[name] = { value };
    } else {
      field.multiValue ??= [{ value: field.value }];
      field.multiValue.push({ value });
    }
  }
  return fields;
}

function text(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain' });
  response.end(body);
}

/** A page behaviour: the page function first, then the file from the bucket. */
function servePage(request: IncomingMessage, response: ServerResponse, path: string, query: string): void {
  const result = runPageFunction(functionRequest(request, path, query));
  if ('statusCode' in result) {
    const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, { value }]) => [name, value]));
    response.writeHead(result.statusCode, result.statusDescription, headers);
    return void response.end();
  }
  const file = pageFiles().find((f) => `${WEB_PATH}${f.name}` === result.uri);
  // The bucket lets CloudFront read objects, not list them: S3 answers a missing key with 403 AccessDenied.
  if (!file) return void text(response, 403, `AccessDenied: no object ${result.uri.slice(1)} in the page's bucket`);
  response.writeHead(200, {
    'Content-Type': file.contentType,
    'Content-Length': Buffer.byteLength(file.body),
    'Content-Security-Policy': PAGE_CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    // Not the bucket's max-age=60: the files are read from web/ at each request, so an edit shows at once.
    'Cache-Control': 'no-cache',
  });
  response.end(request.method === 'HEAD' ? undefined : file.body);
}

/** X-Forwarded-For as CloudFront sends it on: the viewer's address appended to what the viewer sent. */
function forwardedFor(request: IncomingMessage): string {
  const viewer = request.socket.remoteAddress ?? '';
  const sent = request.headers['x-forwarded-for'];
  return sent ? `${sent},${viewer}` : viewer;
}

/**
 * Accept-Encoding as a cache policy with Gzip and Brotli enabled sends it to the origin: `br,gzip`,
 * `br` or `gzip` by which of the two the viewer named, `identity` when it named neither, nothing
 * when it sent none; never the viewer's other values.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cache-key-understand-cache-policy.html
 */
export function normalizedAcceptEncoding(sent: string | undefined): string | undefined {
  if (sent === undefined) return undefined;
  const named = new Set(sent.split(',').map((coding) => coding.split(';')[0].trim().toLowerCase()));
  return [named.has('br') ? 'br' : '', named.has('gzip') ? 'gzip' : ''].filter(Boolean).join(',') || 'identity';
}

/**
 * What an API behaviour sends the service: its path and target, and its headers.
 * - The default behaviour (AllViewerExceptHostHeader): every viewer header and the query string,
 *   with Host replaced by the origin's, so the service never sees the name the page is on (it
 *   trusts that name's Origin only when told to, TRUSTED_ORIGINS).
 * - `/items/*`: the items cache policy keys on the path alone (no header, cookie or query string;
 *   Gzip and Brotli on) and the behaviour has no origin request policy, so CloudFront sends the
 *   path without its query string and none of the viewer's headers: no Cookie, Origin,
 *   Sec-Fetch-Site, If-None-Match or X-Request-Id; only the headers it sets itself (Host, User-Agent
 *   `Amazon CloudFront`, X-Forwarded-For) and the normalized Accept-Encoding. (It also adds Via and
 *   X-Amz-Cf-Id, which nothing here reads.) A viewer's conditional GET is CloudFront's to answer
 *   from its cache; here, with no cache, it gets the 200.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-origin-requests.html
 */
export function originRequest(
  request: IncomingMessage,
  originHost: string,
): { readonly target: string; readonly headers: Record<string, string | string[]> } {
  const target = request.url ?? '/';
  const path = target.split('?')[0];
  if (behaviourOf(path)?.serves === 'items') {
    const encoding = normalizedAcceptEncoding(request.headers['accept-encoding']);
    return {
      target: path,
      headers: {
        host: originHost,
        'user-agent': 'Amazon CloudFront',
        'x-forwarded-for': forwardedFor(request),
        ...(encoding === undefined ? {} : { 'accept-encoding': encoding }),
      },
    };
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = value;
  return { target, headers: { ...headers, host: originHost, 'x-forwarded-for': forwardedFor(request) } };
}

/** An API behaviour: to the service, as originRequest says CloudFront sends it. */
function forward(target: URL, request: IncomingMessage, response: ServerResponse): void {
  const sent = originRequest(request, target.host);
  const upstream = httpRequest(
    { host: target.hostname, port: target.port, method: request.method, path: sent.target, headers: sent.headers },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  upstream.on('error', (error) => {
    if (response.headersSent) return void response.destroy();
    response.writeHead(502, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ error: `the service did not answer: ${error.message}` }));
  });
  request.pipe(upstream);
}

/** The local edge in front of the service at `origin`, on `port` (by default a free one). */
export async function startLocalEdge(origin: string, port = 0): Promise<LocalEdge> {
  const target = new URL(origin);
  const server: HttpServer = createHttpServer((request, response) => {
    const [path, query = ''] = (request.url ?? '/').split(/\?(.*)/s);
    // "CloudFront returns a 403 (Invalid method) error if you're trying to use an HTTP method that you haven't specified."
    if (!allowsMethod(path, request.method ?? 'GET'))
      text(response, 403, 'This distribution is not configured to allow the HTTP request method that was used for this request.');
    else if (behaviourOf(path)?.serves === 'page') servePage(request, response, path, query);
    else forward(target, request, response);
  });
  await new Promise<void>((resolve, reject) => {
    // A port in use is an error its caller can handle, not an unhandled 'error' event that ends the process.
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' ? new Error(`port ${port} on 127.0.0.1 is in use (EADDRINUSE): choose another with --port`) : error,
      ),
    );
    server.listen(port, '127.0.0.1', resolve);
  });
  const bound = (server.address() as { port: number }).port;
  const base = `http://127.0.0.1:${bound}`;
  return {
    port: bound,
    base,
    pageUrl: `${base}${WEB_PATH}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
