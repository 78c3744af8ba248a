/**
 * The service's read path on Fastify, built to weigh the framework against the hand-written server:
 * `npm run bench` runs both, bundled the same way, on the same stores and cache. It is not deployed.
 *
 * It does what the hand-written server does on the routes the bench measures, the way a Fastify
 * service would: GET /healthz with a response schema (fast-json-stringify), GET /items/:id with a
 * params schema (ajv), cache-aside on the same Redis client and PostgreSQL store modules, the same
 * headers (X-Request-Id, accepted when well-formed; Cache-Control; nosniff; ETag; X-Data-Cache;
 * X-Data-Source), and one pino log line per request, buffered and written asynchronously to stdout.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController } from 'fastify';
import pino from 'pino';
import { CACHE_CONTROL } from '../src/openapi';
import { readSettings } from '../src/settings';
import { cacheFor, storeFor } from '../src/stores';
import { ITEM_ID_PATTERN } from '../src/validate';

const REQUEST_ID = /^[\w.:/+=@-]{1,128}$/;

async function main() {
  const settings = readSettings(process.env);
  const logger = pino(
    { level: 'info', timestamp: pino.stdTimeFunctions.isoTime, base: undefined },
    pino.destination({ dest: 1, sync: false, minLength: 8 * 1024 }),
  );
  const event = (fields: Record<string, unknown>) => logger.info(fields);
  const store = storeFor(settings, event);
  const cache = cacheFor(settings, event);

  const app = Fastify({
    loggerInstance: logger,
    // One line per request, written by the onResponse hook below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    keepAliveTimeout: settings.keepAliveSeconds * 1000,
    connectionTimeout: 30_000,
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id).header('x-content-type-options', 'nosniff');
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({
      method: request.method,
      path: request.url.split('?')[0].slice(0, 200),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    });
  });

  app.get(
    '/healthz',
    { schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } },
    async (_request, reply) => {
      reply.header('cache-control', CACHE_CONTROL.never);
      return { status: 'ok' };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/items/:id',
    { schema: { params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: ITEM_ID_PATTERN } } } } },
    async (request, reply) => {
      const id = request.params.id;
      const found = cache ? await cache.get(`item:${id}`) : undefined;
      let body = typeof found === 'string' ? found : undefined;
      const hit = body !== undefined;
      let source = 'cache';
      if (!hit) {
        const read = await store.get(id);
        source = read.source;
        if (read.body === undefined)
          return reply
            .code(404)
            .header('cache-control', CACHE_CONTROL.never)
            .send({ error: `no item ${id}` });
        body = read.body;
        void cache?.set(`item:${id}`, body, settings.cacheTtlSeconds);
      }
      reply.header('cache-control', CACHE_CONTROL.item).header('etag', `"i1-${id}"`).type('application/json');
      reply.header('x-data-cache', cache ? (hit ? 'hit' : typeof found === 'symbol' ? 'unavailable' : 'miss') : 'off');
      reply.header('x-data-source', source);
      return reply.send(body);
    },
  );

  await app.listen({ port: settings.port, host: settings.host });
  const stop = () =>
    void app
      .close()
      .then(() => Promise.all([store.close(), cache?.close()]))
      .then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
