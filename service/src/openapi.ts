/**
 * The service's API as an OpenAPI 3.1 document, served at GET /openapi.json. It is built from the
 * same LIMITS, patterns and rule texts the validation uses (validate.ts) and from the route table
 * the router answers with, so the document cannot drift from what the service does; the tests check
 * real answers against it.
 */
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
] as const;

export const CACHE_CONTROL = {
  /** Health, readiness, identity, writes and every error: never stored by a cache. */
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
};
const json = (description: string, schema: Schema, headers: Record<string, unknown> = {}) => ({
  description,
  headers: { ...COMMON_HEADERS, ...headers },
  content: { 'application/json': { schema } },
});
const error = (description: string) => json(description, ref('Error'));
const unavailable = json('A dependency is down or too slow; retry after the time given', ref('Error'), {
  'Retry-After': header('Retry-After'),
});

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
      store: string({ description: 'the data store that is unavailable' }),
      reason: string({ description: 'why, in a few words naming no address' }),
      routes: { type: 'array', items: string() },
    },
  },
  Health: { type: 'object', required: ['status'], additionalProperties: false, properties: { status: { const: 'ok' } } },
  Readiness: {
    type: 'object',
    required: ['status', 'dataStore', 'cache'],
    additionalProperties: false,
    properties: {
      status: {
        enum: ['ready', 'degraded', 'not ready'],
        description: 'degraded: the data store answers and the cache does not (requests are slower, not failed)',
      },
      dataStore: {
        ...check,
        required: ['kind', 'ok', 'ms'],
        properties: { kind: { enum: ['postgresql', 'dynamodb'] }, ...check.properties },
      },
      cache: { oneOf: [{ const: 'off' }, check] },
    },
  },
  Identity: {
    type: 'object',
    required: ['service', 'stage', 'host', 'version', 'dataStore', 'cache'],
    additionalProperties: false,
    properties: {
      service: { const: 'zero-to-millions' },
      stage: string(),
      host: string(),
      version: string(),
      dataStore: { enum: ['postgresql', 'dynamodb'] },
      cache: { enum: ['on', 'off'] },
    },
  },
};

type Operation = { summary: string; responses: Record<string, unknown>; requestBody?: unknown; parameters?: unknown[] };

const OPERATIONS: Record<(typeof ROUTES)[number]['path'], Operation> = {
  '/': {
    summary: 'Which stage, host and version answered, and what it is connected to',
    responses: { 200: json('The answering process', ref('Identity')) },
  },
  '/healthz': {
    summary: 'The process is alive; touches no dependency (what the load balancer checks)',
    responses: { 200: json('Alive', ref('Health')) },
  },
  '/readyz': {
    summary: 'The data store and the cache answer, with their latencies; each check has a deadline',
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
      400: error('The body is not valid JSON (UTF-8) or breaks a rule; every problem is named'),
      413: error(`The body is larger than the limit (BODY_LIMIT_BYTES)`),
      415: error('The body is not application/json, or is encoded (Content-Encoding)'),
      503: unavailable,
    },
  },
  '/items/{id}': {
    summary: 'An item; items never change, so it carries a strong ETag and may be cached for a year',
    parameters: [{ name: 'id', in: 'path', required: true, schema: string({ pattern: ITEM_ID_PATTERN }) }],
    responses: {
      200: json('The item', ref('Item'), {
        ETag: header('ETag'),
        'X-Cache': { description: 'hit or miss, when a cache is configured', schema: { enum: ['hit', 'miss'] } },
      }),
      304: {
        description: 'If-None-Match matched: the copy the client holds is current',
        headers: { ...COMMON_HEADERS, ETag: header('ETag') },
      },
      404: error('No item with this id, or the id is not a UUID'),
      503: unavailable,
    },
  },
};

/** The OpenAPI document of this version of the service. */
export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const operation = OPERATIONS[route.path];
    paths[route.path] = Object.fromEntries(
      route.methods.map((method) => {
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
        'Every answer is JSON with X-Request-Id (a well-formed incoming one is kept), Cache-Control and X-Content-Type-Options: nosniff. ' +
        'A path that is not listed answers 404, a method a path does not allow 405 with Allow, a request target that is not a path 400. ' +
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
          description: `"${CACHE_CONTROL.never}" for health, readiness, identity, writes and errors; "${CACHE_CONTROL.item}" for items; "${CACHE_CONTROL.document}" for this document`,
          schema: { enum: Object.values(CACHE_CONTROL) },
        },
        'X-Content-Type-Options': { required: true, schema: { const: 'nosniff' } },
        'Retry-After': { required: true, description: 'seconds', schema: string({ pattern: '^\\d+$' }) },
        ETag: { required: true, description: 'a strong validator: items never change', schema: string({ pattern: '^"[^"]+"$' }) },
      },
    },
  };
}
