/**
 * The service's API as an OpenAPI 3.1 document, served at GET /openapi.json. It is built from the
 * same LIMITS, patterns and rule texts the validation uses (validate.ts) and from the route table
 * the router answers with, so the document cannot drift from what the service does; the tests check
 * real answers against it.
 */
import { SESSION_STORES } from '../../lib/data-contract';
import { SESSION_COOKIE } from './session-cookie';
import { RECENT_LIMIT } from './sessions';
import { DATA_SOURCES } from './store';
import { ITEM_ID_PATTERN, LIMITS, NAME_PATTERN, RULES, STRING_PATTERN } from './validate';

type Schema = Record<string, unknown>;

/** The routes the service answers: path, methods, and what each answers. HEAD goes with every GET. */
export const ROUTES = [
  { path: '/', methods: ['GET', 'HEAD'] },
  { path: '/healthz', methods: ['GET', 'HEAD'] },
  { path: '/readyz', methods: ['GET', 'HEAD'] },
  { path: '/openapi.json', methods: ['GET', 'HEAD'] },
  { path: '/items', methods: ['POST'] },
  { path: '/items/{id}', methods: ['GET', 'HEAD'] },
  { path: '/sessions', methods: ['POST'] },
  { path: '/session', methods: ['GET', 'HEAD', 'DELETE'] },
  { path: '/session/views', methods: ['POST'] },
] as const;

export const CACHE_CONTROL = {
  /** Health, readiness, identity, writes, sessions, redirects and every error: never stored by a cache. */
  never: 'no-store',
  /** Items never change after creation: a CDN or browser may keep them for a year. */
  item: 'public, max-age=31536000, immutable',
  /** The API description changes only with a new version. */
  document: 'public, max-age=300',
} as const;

const string = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const header = (name: string) => ({ $ref: `#/components/headers/${name}` });
const COMMON_HEADERS = {
  'X-Request-Id': header('X-Request-Id'),
  'Cache-Control': header('Cache-Control'),
  'X-Content-Type-Options': header('X-Content-Type-Options'),
  'X-Stage': header('X-Stage'),
  'X-Region': header('X-Region'),
  'X-Served-By': header('X-Served-By'),
};
/** The headers every answer carries, whatever it is (the description says so for answers not listed). */
export const EVERY_ANSWER_HEADERS = Object.keys(COMMON_HEADERS);
const json = (description: string, schema: Schema, headers: Record<string, unknown> = {}) => ({
  description,
  headers: { ...COMMON_HEADERS, ...headers },
  content: { 'application/json': { schema } },
});
const error = (description: string) => json(description, ref('Error'));
const unavailable = json('A dependency is down or too slow; retry after the time given', ref('Error'), {
  'Retry-After': header('Retry-After'),
});
const sessionUnavailable = json(
  'The session store is down or too slow (items do not depend on it); retry after the time given',
  ref('Error'),
  {
    'Retry-After': header('Retry-After'),
  },
);
const dataCache = (required: boolean) => ({
  required,
  description: "what the service's own cache did: hit, miss, unavailable (down or skipped: the store answered), or off (no cache)",
  schema: { enum: ['hit', 'miss', 'unavailable', 'off'] },
});
const dataSource = (required: boolean) => ({
  required,
  description:
    "which part of the data tier answered: cache (the service's own: X-Data-Cache is hit), reader (a reader endpoint, stage 4), writer (the writer: no readers, or they did not have the item, failed or are skipped for a while), or table (DynamoDB); an answer the CDN kept says who answered when it was fetched",
  schema: { enum: ['cache', ...DATA_SOURCES] },
});
/** The session's answer: its cookie is set again each time, so the cookie lives as long as the session. */
const sessionAnswer = (description: string, extra: Record<string, unknown> = {}) =>
  json(description, ref('Session'), { 'Set-Cookie': header('Set-Cookie'), ...extra });
const badCookie = json(
  'The session cookie is malformed or oversized (the answer clears it), or sent twice (the answer clears neither: see session-cookie.ts)',
  ref('Error'),
  {
    'Set-Cookie': { ...header('Set-Cookie') },
  },
);
/** Every method but GET and HEAD, on every path: another site's page may not change anything here (cross-site.ts). */
const crossSite = json(
  "Another site's page sent it (Sec-Fetch-Site other than same-origin or none; without Sec-Fetch-Site, an Origin that is not this API's): refused before anything is read or changed",
  ref('CrossSiteRefusal'),
);
const noSession = json('No session cookie, or the session has ended or expired (then the answer clears the cookie)', ref('Error'));

const check = {
  type: 'object',
  required: ['ok', 'ms'],
  additionalProperties: false,
  properties: {
    ok: { type: 'boolean' },
    ms: { type: 'number', minimum: 0 },
    error: string({ description: 'what failed, in a few words naming no address' }),
  },
};

const READINESS_STATUS = {
  enum: ['ready', 'degraded', 'not ready'],
  description:
    'not ready: the data store (its writer) does not answer. degraded: it does, and the readers, the cache or the session store do not (reads go to the writer, requests are slower; session routes may fail), not failed',
};
/** What /readyz tells a caller on the server itself. */
const READINESS_IN_FULL: Schema = {
  type: 'object',
  required: ['status', 'dataStore', 'cache', 'sessions'],
  additionalProperties: false,
  properties: {
    status: READINESS_STATUS,
    dataStore: {
      ...check,
      required: ['kind', 'ok', 'ms'],
      description:
        'ok and ms: the writer (with PostgreSQL: the cluster endpoint, which must take writes); readers: the reader endpoint, when there is one',
      properties: { kind: { enum: ['postgresql', 'dynamodb'] }, ...check.properties, readers: check },
    },
    cache: {
      oneOf: [
        { const: 'off' },
        {
          ...check,
          required: ['ok', 'ms', 'reads'],
          properties: {
            ...check.properties,
            reads: {
              type: 'object',
              description:
                'item reads since the process started, by what the cache did; hitRatio is hits over all of them (null before the first)',
              required: ['hits', 'misses', 'unavailable', 'hitRatio'],
              additionalProperties: false,
              properties: {
                hits: { type: 'integer', minimum: 0 },
                misses: { type: 'integer', minimum: 0 },
                unavailable: { type: 'integer', minimum: 0 },
                hitRatio: { type: ['number', 'null'], minimum: 0, maximum: 1 },
              },
            },
          },
        },
      ],
    },
    sessions: {
      description: 'where sessions live; a shared store is checked (memory needs no check: it is this process)',
      oneOf: [
        { type: 'object', required: ['kind'], additionalProperties: false, properties: { kind: { const: 'memory' } } },
        {
          ...check,
          required: ['kind', 'ok', 'ms'],
          properties: { kind: { enum: ['cache', 'dynamodb'] }, ...check.properties },
        },
      ],
    },
  },
};

const SCHEMAS: Record<string, Schema> = {
  NewItem: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: {
      name: string({ minLength: 1, maxLength: LIMITS.nameLength, pattern: NAME_PATTERN, description: RULES.name }),
      attributes: {
        type: 'object',
        maxProperties: LIMITS.attributes,
        description: RULES.attributes,
        propertyNames: {
          minLength: 1,
          maxLength: LIMITS.attributeKeyLength,
          pattern: STRING_PATTERN,
          not: { enum: [...LIMITS.reservedKeys] },
          description: RULES.attributeKey,
        },
        additionalProperties: {
          description: RULES.attributeValue,
          oneOf: [
            string({ maxLength: LIMITS.attributeValueLength, pattern: STRING_PATTERN }),
            {
              type: 'number',
              minimum: -LIMITS.largestNumber,
              maximum: LIMITS.largestNumber,
              not: { exclusiveMinimum: -LIMITS.smallestNumber, exclusiveMaximum: LIMITS.smallestNumber, not: { const: 0 } },
            },
            { type: 'boolean' },
          ],
        },
      },
    },
  },
  Item: {
    type: 'object',
    required: ['id', 'name', 'attributes', 'createdAt'],
    additionalProperties: false,
    properties: {
      id: string({ pattern: ITEM_ID_PATTERN, description: 'a UUID the service chose' }),
      name: { $ref: '#/components/schemas/NewItem/properties/name' },
      attributes: { $ref: '#/components/schemas/NewItem/properties/attributes' },
      createdAt: string({ format: 'date-time', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$' }),
    },
  },
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: string({ description: 'what is wrong: the field, the value given and what is allowed' }),
      store: string({ description: 'the store that is unavailable (the data store, or the session store)' }),
      reason: string({ description: 'why, in a few words naming no address' }),
      routes: { type: 'array', items: string() },
    },
  },
  Moved: {
    type: 'object',
    required: ['location', 'reason'],
    additionalProperties: false,
    properties: { location: string({ pattern: '^/items/[0-9a-f-]{36}$' }), reason: string() },
  },
  CrossSiteRefusal: {
    type: 'object',
    required: ['error', 'header', 'value'],
    additionalProperties: false,
    properties: {
      error: string({ description: 'why, and what is allowed' }),
      header: { enum: ['Sec-Fetch-Site', 'Origin'], description: 'the request header that showed the request came from another site' },
      value: string({ description: 'its value, as sent' }),
    },
  },
  Health: { type: 'object', required: ['status'], additionalProperties: false, properties: { status: { const: 'ok' } } },
  Readiness: {
    description:
      'in full to a caller on the server itself (loopback, forwarded by no proxy): every check with its latency; to anyone else (through a CDN, a load balancer or the internet) the verdict only',
    oneOf: [
      READINESS_IN_FULL,
      { type: 'object', required: ['status'], additionalProperties: false, properties: { status: READINESS_STATUS } },
    ],
  },
  Identity: {
    type: 'object',
    required: ['service', 'stage', 'host', 'version', 'region', 'dataStore', 'cache', 'sessions'],
    additionalProperties: false,
    properties: {
      service: { const: 'zero-to-millions' },
      stage: string(),
      host: string({ description: 'the EC2 instance id, the ECS task id, or the host name' }),
      version: string(),
      region: string({ description: 'the AWS region, or local' }),
      dataStore: { enum: ['postgresql', 'dynamodb'] },
      cache: {
        enum: ['off', 'local', 'managed'],
        description: "local: stage 1's cache on the host (redis://); managed: TLS and an authenticated user (rediss://, stage 5 and up)",
      },
      sessions: {
        enum: [...SESSION_STORES],
        description:
          'memory: each process its own (a visitor whose next request reaches another server has no session there); cache or dynamodb: shared by every server',
      },
    },
  },
  Session: {
    type: 'object',
    description: 'what a session holds; its id is only ever in the HttpOnly cookie',
    required: ['createdAt', 'lastSeenAt', 'expiresAt', 'recent'],
    additionalProperties: false,
    properties: {
      createdAt: string({ format: 'date-time' }),
      lastSeenAt: string({ format: 'date-time' }),
      expiresAt: string({ format: 'date-time', description: 'slides forward each time the session is used' }),
      recent: {
        type: 'array',
        maxItems: RECENT_LIMIT,
        description: `the items this session created or viewed, most recent first, at most ${RECENT_LIMIT}`,
        items: {
          type: 'object',
          required: ['id', 'action', 'at'],
          additionalProperties: false,
          properties: {
            id: string({ pattern: ITEM_ID_PATTERN }),
            action: { enum: ['created', 'viewed'] },
            at: string({ format: 'date-time' }),
          },
        },
      },
    },
  },
  NewView: {
    type: 'object',
    required: ['id'],
    additionalProperties: false,
    properties: { id: string({ pattern: ITEM_ID_PATTERN, description: RULES.itemId }) },
  },
  Ended: { type: 'object', required: ['status'], additionalProperties: false, properties: { status: { const: 'ended' } } },
};

type Operation = { summary: string; responses: Record<string, unknown>; requestBody?: unknown; parameters?: unknown[] };
type Path = (typeof ROUTES)[number]['path'];

/** One operation per path, or one per method where a path has several (HEAD is GET's, without bodies). */
const OPERATIONS: Record<Path, Operation | { GET: Operation; DELETE: Operation }> = {
  '/': {
    summary: 'Which stage, host and version answered, and what it is connected to',
    responses: { 200: json('The answering process', ref('Identity')) },
  },
  '/healthz': {
    summary: 'The process is alive; touches no dependency (what the load balancer checks)',
    responses: { 200: json('Alive', ref('Health')) },
  },
  '/readyz': {
    summary:
      'The data store and the cache answer, with their latencies (to the server itself; the verdict only to anyone else, from a check shared for about a second); each check has a deadline',
    responses: {
      200: json('Ready, or degraded (cache down)', ref('Readiness')),
      503: json('The data store does not answer', ref('Readiness'), { 'Retry-After': header('Retry-After') }),
    },
  },
  '/openapi.json': {
    summary: 'This document',
    responses: { 200: json('The OpenAPI document', { type: 'object', required: ['openapi', 'paths'] }) },
  },
  '/items': {
    summary: 'Store a new item',
    requestBody: { required: true, content: { 'application/json': { schema: ref('NewItem') } } },
    responses: {
      201: json('Stored', ref('Item'), {
        Location: { required: true, description: 'the new item', schema: string({ pattern: '^/items/[0-9a-f-]{36}$' }) },
      }),
      400: error(
        `The body is not valid JSON (UTF-8) or breaks a rule; every problem is counted and the first ${LIMITS.problemsNamed} named (those of name and attributes first)`,
      ),
      403: crossSite,
      413: error(`The body is larger than the limit (BODY_LIMIT_BYTES)`),
      415: error('The body is not application/json, or is encoded (Content-Encoding)'),
      503: unavailable,
    },
  },
  '/items/{id}': {
    summary: 'An item; items never change, so it carries a strong ETag and may be cached for a year',
    parameters: [{ name: 'id', in: 'path', required: true, schema: string({ pattern: ITEM_ID_PATTERN }) }],
    responses: {
      200: json('The item', ref('Item'), { ETag: header('ETag'), 'X-Data-Cache': dataCache(true), 'X-Data-Source': dataSource(true) }),
      301: json(
        'The id is a UUID in upper case or percent-encoded: the item is at its one canonical address (never stored by a cache)',
        ref('Moved'),
        { Location: { required: true, description: 'the canonical address', schema: string({ pattern: '^/items/[0-9a-f-]{36}$' }) } },
      ),
      304: {
        description: 'If-None-Match matched: the copy the client holds is current',
        headers: { ...COMMON_HEADERS, ETag: header('ETag'), 'X-Data-Cache': dataCache(true), 'X-Data-Source': dataSource(true) },
      },
      404: json(
        'No item with this id (never kept by the CDN: a lagging reader may not have it yet), or the id is not a UUID',
        ref('Error'),
        {
          'X-Data-Cache': dataCache(false),
          'X-Data-Source': dataSource(false),
        },
      ),
      503: unavailable,
    },
  },
  '/sessions': {
    summary: 'Start a session: a new random id in a Secure, HttpOnly, SameSite=Strict cookie',
    responses: {
      201: sessionAnswer('Started', { Location: { required: true, schema: { const: '/session' } } }),
      403: crossSite,
      503: sessionUnavailable,
    },
  },
  '/session': {
    GET: {
      summary: 'The session the cookie names: when it started, the items it created or viewed; its expiry slides forward',
      responses: { 200: sessionAnswer('The session'), 400: badCookie, 401: noSession, 503: sessionUnavailable },
    },
    DELETE: {
      summary: 'End the session and clear its cookie (ending one already ended or expired says the same)',
      responses: {
        200: json('Ended', ref('Ended'), { 'Set-Cookie': header('Set-Cookie') }),
        400: badCookie,
        401: error('No session cookie'),
        403: crossSite,
        503: sessionUnavailable,
      },
    },
  },
  '/session/views': {
    summary: 'Note that the visitor has read an item (item reads are kept by the CDN and carry no cookie, so the page says so)',
    requestBody: { required: true, content: { 'application/json': { schema: ref('NewView') } } },
    responses: {
      200: sessionAnswer('Noted: the item is first in the list'),
      400: error('The body is not valid JSON or not an item id, or the session cookie is malformed'),
      401: noSession,
      403: crossSite,
      413: error('The body is larger than the limit (BODY_LIMIT_BYTES)'),
      415: error('The body is not application/json, or is encoded (Content-Encoding)'),
      503: sessionUnavailable,
    },
  },
};

/** The OpenAPI document of this version of the service. */
export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const operations = OPERATIONS[route.path];
    paths[route.path] = Object.fromEntries(
      route.methods.map((method) => {
        const operation: Operation =
          'responses' in operations ? operations : operations[method === 'HEAD' ? 'GET' : (method as 'GET' | 'DELETE')];
        const responses =
          method === 'HEAD'
            ? Object.fromEntries(
                Object.entries(operation.responses).map(([status, r]) => [status, { ...(r as object), content: undefined }]),
              )
            : operation.responses;
        return [
          method.toLowerCase(),
          JSON.parse(
            JSON.stringify({
              ...operation,
              summary: method === 'HEAD' ? `${operation.summary} (headers only)` : operation.summary,
              responses,
            }),
          ),
        ];
      }),
    );
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'zero-to-millions workload service',
      version,
      description:
        'Every answer is JSON with X-Request-Id (a well-formed incoming one is kept), Cache-Control, X-Content-Type-Options: nosniff, ' +
        'and who answered: X-Stage, X-Region and X-Served-By. ' +
        'A path that is not listed answers 404, a method a path does not allow 405 with Allow, a request target that is not a path 400. ' +
        "Any method but GET and HEAD, on any path, answers 403 when another site's page sent it (Sec-Fetch-Site other than same-origin or none; " +
        "without Sec-Fetch-Site, an Origin that is not the API's own): clients that are not browsers send neither and are not refused. " +
        'A request the HTTP parser refuses answers 400 (431 when its headers are too large, 408 when it arrives too slowly), and its connection closes.',
    },
    paths,
    components: {
      schemas: SCHEMAS,
      headers: {
        'X-Request-Id': {
          required: true,
          description:
            'the request id: the one sent, if well-formed (1 to 128 of A-Z a-z 0-9 _ . : / + = @ -), else a new UUID; it is in the log line of the request',
          schema: string({ pattern: '^[\\w.:/+=@-]{1,128}$' }),
        },
        'Cache-Control': {
          required: true,
          description: `"${CACHE_CONTROL.never}" for health, readiness, identity, writes, sessions, redirects and errors; "${CACHE_CONTROL.item}" for items (a CDN may keep them that long: they never change); "${CACHE_CONTROL.document}" for this document`,
          schema: { enum: Object.values(CACHE_CONTROL) },
        },
        'X-Content-Type-Options': { required: true, schema: { const: 'nosniff' } },
        'Retry-After': { required: true, description: 'seconds', schema: string({ pattern: '^\\d+$' }) },
        ETag: { required: true, description: 'a strong validator: items never change', schema: string({ pattern: '^"[^"]+"$' }) },
        'X-Stage': { required: true, description: 'the stage that answered (STAGE)', schema: string({ minLength: 1 }) },
        'X-Region': { required: true, description: 'the AWS region that answered, or local', schema: string({ minLength: 1 }) },
        'X-Served-By': {
          required: true,
          description: 'the EC2 instance id, ECS task id or host name that answered',
          schema: string({ minLength: 1 }),
        },
        'Set-Cookie': {
          required: true,
          description:
            'the session cookie: its id (43 characters of base64url), Secure, HttpOnly, SameSite=Strict, Path=/, Max-Age the seconds it has left; Max-Age=0 clears it',
          schema: string({
            pattern: `^${SESSION_COOKIE}=([A-Za-z0-9_-]{43})?; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=\\d+$`,
          }),
        },
      },
    },
  };
}
