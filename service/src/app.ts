/**
 * The web app of every stage: a small JSON API over one data store, with an optional read cache.
 *
 * GET  /healthz      the process is alive; touches no dependency (what the load balancer checks)
 * GET  /readyz       data store and cache reachable, with their latencies; 503 when one is not
 * GET  /             stage, host, data store kind, cache on/off, version
 * POST /items        a validated JSON body; 201 with the new item and its id
 * GET  /items/:id    200 with the item, or 404; cache-aside when a cache is configured
 *
 * Bad input never crashes it: malformed JSON 400, an oversized body 413, an unknown route 404, a
 * data store that is down 503 with a clear body. One JSON log line per request.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cache } from './cache';
import { BadRequest, StoreUnavailable } from './errors';
import type { Item, ItemStore } from './store';
import { isItemId, parseNewItem } from './validate';

export interface AppOptions {
  readonly store: ItemStore;
  readonly cache?: Cache;
  readonly cacheTtlSeconds: number;
  readonly bodyLimitBytes: number;
  readonly identity: { readonly stage: string; readonly host: string; readonly version: string };
  readonly log: (fields: Record<string, unknown>) => void;
}

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

const json = (status: number, body: unknown, headers?: Record<string, string>): Answer => ({ status, body, headers });

async function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) throw new BadRequest(`the body is ${declared} bytes; allowed: at most ${limit}`, 413);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BadRequest(`the body is over ${limit} bytes; allowed: at most ${limit}`, 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function timed(fn: () => Promise<void>): Promise<{ ok: boolean; ms: number; error?: string }> {
  const start = performance.now();
  try {
    await fn();
    return { ok: true, ms: Math.round((performance.now() - start) * 10) / 10 };
  } catch (error) {
    return { ok: false, ms: Math.round((performance.now() - start) * 10) / 10, error: (error as Error).message };
  }
}

export function createApp(options: AppOptions) {
  const { store, cache, log } = options;
  const cacheKey = (id: string) => `item:${id}`;

  async function route(request: IncomingMessage): Promise<Answer> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const method = request.method ?? 'GET';
    const only = (allowed: string, answer: () => Promise<Answer> | Answer): Promise<Answer> | Answer =>
      method === allowed ? answer() : json(405, { error: `${method} is not allowed on ${path}; allowed: ${allowed}` }, { Allow: allowed });

    if (path === '/healthz') return only('GET', () => json(200, { status: 'ok' }));
    if (path === '/') {
      return only('GET', () =>
        json(200, { service: 'zero-to-millions', ...options.identity, dataStore: store.kind, cache: cache ? 'on' : 'off' }),
      );
    }
    if (path === '/readyz') {
      return only('GET', async () => {
        const [dataStore, cacheCheck] = await Promise.all([timed(() => store.ping()), cache ? timed(() => cache.ping()) : Promise.resolve(undefined)]);
        const ready = dataStore.ok && (cacheCheck?.ok ?? true);
        return json(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', dataStore: { kind: store.kind, ...dataStore }, cache: cacheCheck ?? 'off' });
      });
    }
    if (path === '/items') {
      return only('POST', async () => {
        const fields = parseNewItem(await readBody(request, options.bodyLimitBytes));
        const item: Item = { id: randomUUID(), createdAt: new Date().toISOString(), ...fields };
        await store.put(item);
        await cache?.delete(cacheKey(item.id));
        return json(201, item, { Location: `/items/${item.id}` });
      });
    }
    const match = /^\/items\/([^/]+)$/.exec(path);
    if (match) {
      return only('GET', async () => {
        const id = decodeURIComponent(match[1]).toLowerCase();
        if (!isItemId(id)) return json(404, { error: `no item ${match[1]}: item ids are UUIDs` });
        const cached = await cache?.get(cacheKey(id));
        if (cached) return json(200, JSON.parse(cached), { 'X-Cache': 'hit' });
        const item = await store.get(id);
        if (!item) return json(404, { error: `no item ${id}` });
        await cache?.set(cacheKey(id), JSON.stringify(item), options.cacheTtlSeconds);
        return json(200, item, cache ? { 'X-Cache': 'miss' } : {});
      });
    }
    return json(404, { error: `no route ${method} ${path}`, routes: ['GET /', 'GET /healthz', 'GET /readyz', 'POST /items', 'GET /items/:id'] });
  }

  return async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const start = performance.now();
    let answer: Answer;
    try {
      answer = await route(request);
    } catch (error) {
      // After an oversized body the rest of it is not read: the connection closes.
      if (error instanceof BadRequest) answer = json(error.status, { error: error.message }, error.status === 413 ? { Connection: 'close' } : {});
      else if (error instanceof StoreUnavailable) answer = json(503, { error: `the data store is unavailable; retry shortly`, store: error.store }, { 'Retry-After': '2' });
      else {
        log({ level: 'error', msg: 'unexpected error', error: (error as Error).stack ?? String(error) });
        answer = json(500, { error: 'internal error' });
      }
    }
    const body = JSON.stringify(answer.body);
    if (!response.headersSent) {
      response.writeHead(answer.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...answer.headers });
    }
    response.end(body);
    log({
      level: answer.status >= 500 ? 'error' : 'info',
      method: request.method,
      path: request.url,
      status: answer.status,
      ms: Math.round((performance.now() - start) * 10) / 10,
      bytes: Buffer.byteLength(body),
    });
  };
}
