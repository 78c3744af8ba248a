/**
 * The web app of every stage: a small JSON API over one data store, with an optional read cache.
 *
 * GET    /              stage, region, host, version, data store kind, cache kind, session store
 * GET    /healthz       the process is alive; touches no dependency (what the load balancer checks)
 * GET    /readyz        the data store (writer and readers), cache and session store answer, with their
 *                       latencies, and the cache's hit ratio; 503 when the store's writer does not. The
 *                       public (anyone not on this server) is told only the verdict, checked at most
 *                       about once a second however many ask
 * GET    /openapi.json  the API as OpenAPI 3.1, built from the validation's own limits
 * POST   /items         a validated JSON body; 201 with the new item and its id
 * GET    /items/:id     200 with the item (ETag, cacheable for a year: items never change), 304, or 404;
 *                       cache-aside when a cache is configured (X-Data-Cache says how it went), and
 *                       X-Data-Source who answered (cache, reader, writer or table); an id in
 *                       upper case or percent-encoded is a 301 to the one canonical address
 * POST   /sessions      starts a session: 201 and its cookie
 * GET    /session       the session the cookie names: when it started, the items it created or viewed
 * DELETE /session       ends it and clears the cookie
 * POST   /session/views the visitor has read an item (the CDN keeps item reads, so the page says so)
 * HEAD is answered wherever GET is.
 *
 * Any other method from another site's page (Sec-Fetch-Site, or Origin) is a 403 before any route
 * (cross-site.ts): a page elsewhere may not change anything with a visitor's browser.
 * Bad input is a 4xx naming the field, the value and what is allowed, never a 500. A dependency
 * that is down or too slow is a 503 with Retry-After; a session store that is down fails the session
 * routes only. Every answer carries X-Request-Id, Cache-Control, X-Content-Type-Options and who
 * answered (X-Stage, X-Region, X-Served-By); one log line per request carries the request id.
 * This is the hot path of every stage: it builds few objects and parses nothing it can pass on.
 */
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { type Cache, UNAVAILABLE } from './cache';
import { crossSiteRefusal } from './cross-site';
import { BadRequest, reasonOf, SessionContention, SessionStoreUnavailable, StoreUnavailable, Timeout } from './errors';
import type { Log } from './log';
import { CACHE_CONTROL, openApiDocument, ROUTES } from './openapi';
import { CLEARED_COOKIE, newSessionId, sessionCookie, sessionIdOf } from './session-cookie';
import { MemorySessions, type RecentItem, type Session, type SessionStore, touch } from './sessions';
import { type DataSource, type Item, type ItemStore, itemJson } from './store';
import { isItemId, parseNewItem, parseView, show } from './validate';

export interface Identity {
  readonly stage: string;
  /** The instance or task id. */
  readonly host: string;
  readonly version: string;
  /** AWS_REGION, or `local`. */
  readonly region: string;
  /** `local`: stage 1's cache on the host (redis://); `managed`: TLS and a user (rediss://, stage 5 and up). */
  readonly cacheKind?: 'local' | 'managed';
}

export interface AppOptions {
  readonly store: ItemStore;
  readonly cache?: Cache;
  readonly cacheTtlSeconds: number;
  /** Where sessions live; each process's memory unless a shared store is given. */
  readonly sessions?: SessionStore;
  /** How long a session lives after it was last used. */
  readonly sessionTtlSeconds?: number;
  readonly bodyLimitBytes: number;
  readonly identity: Identity;
  readonly log: Log;
  /** How long /readyz waits for each dependency; READY_DEADLINE_MS unless a test wants less. */
  readonly readyDeadlineMs?: number;
  /** How long a check answers the public's /readyz after it ends; READY_REUSE_MS unless a test wants less. */
  readonly readyReuseMs?: number;
  /**
   * Origins (lower case) whose pages may change state here besides the request's own: the names the CDN
   * serves the page on. None unless given.
   */
  readonly trustedOrigins?: readonly string[];
}

/** How long /readyz waits for each dependency before calling it down. */
export const READY_DEADLINE_MS = 2000;
/**
 * The public's /readyz (anyone not on this server: through a CDN, a load balancer or the internet)
 * reuses a check that ended less than this long ago, or one under way: however many ask, the
 * data store and the cache are checked at most about once a second from here.
 */
export const READY_REUSE_MS = 1000;
/** The default lifetime of a session after its last use (SESSION_TTL_SECONDS). */
export const SESSION_TTL_SECONDS = 86_400;
/** How long a write waits to note the new item in its session: the item is stored already, and the note is a nicety. */
export const SESSION_NOTE_DEADLINE_MS = 1000;
/** Seconds a client is asked to wait after a 503. */
export const RETRY_AFTER_SECONDS = '2';
/** Paths are cut to this length in the log. */
export const LOGGED_PATH_LENGTH = 200;

/** A well-formed incoming X-Request-Id is kept (1 to 128 safe characters); anything else gets a new UUID. */
const REQUEST_ID = /^[\w.:/+=@-]{1,128}$/;
/**
 * The X-Request-Id sent, read from the raw headers, which spares building the headers object on
 * every request. Sent twice, it is not well-formed.
 */
function requestIdOf(raw: string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 12 && name.toLowerCase() === 'x-request-id') {
      if (found !== undefined) return ' ';
      found = raw[i + 1];
    }
  }
  return found;
}

/** Items never change; the version in the tag changes if their representation ever does. */
/** How many times a session change is tried while other requests change the same session. */
export const SESSION_CHANGE_ATTEMPTS = 8;
const SESSION_ENDED = 'the session has ended or expired: start another with POST /sessions';
const etagOf = (id: string) => `"i1-${id}"`;
const ID_EXAMPLE = '0f8fad5b-d9cb-469f-a165-70867728950e';
const CANONICAL_ID = 'an item has one address: its id in lower case, not percent-encoded';

const GET_ONLY = 'GET, HEAD';
const SESSION_METHODS = 'GET, HEAD, DELETE';
const ROUTE_LIST = ROUTES.flatMap((r) => r.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${r.path.replace('{id}', ':id')}`));

/** The request's path: the target without its query, or undefined when it is not a path (`*`, garbage). */
export function pathOf(target: string): string | undefined {
  let path = target;
  if (target.charCodeAt(0) !== 47) {
    // The absolute form (`GET http://host/path`), which HTTP/1.1 servers must accept.
    const origin = /^https?:\/\/[^/?#]*/i.exec(target);
    if (!origin) return undefined;
    path = target.slice(origin[0].length);
    if (path.charCodeAt(0) !== 47) path = `/${path}`;
  }
  const query = path.indexOf('?');
  const cut = query === -1 ? path : path.slice(0, query);
  const fragment = cut.indexOf('#');
  return fragment === -1 ? cut : cut.slice(0, fragment);
}

/** Whether an If-None-Match header matches the tag (weak comparison, as RFC 9110 wants for it). */
function matches(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** `application/json`, with at most a charset of UTF-8; otherwise the problem, for a 415. */
function contentTypeProblem(request: IncomingMessage): string | undefined {
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return `Content-Encoding: got ${show(encoding)}; allowed: none (identity): send the JSON as it is`;
  }
  const type = request.headers['content-type'];
  const [mediaType, ...parameters] = (type ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charset = parameters
    .find((p) => p.startsWith('charset='))
    ?.slice(8)
    .replace(/"/g, '');
  if (mediaType !== 'application/json' || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    return `Content-Type: got ${type === undefined ? 'none' : show(type)}; allowed: application/json (UTF-8)`;
  }
  return undefined;
}

/**
 * The body, up to `limit` bytes. Past the limit, reading stops (the answer, a 413, closes the
 * connection) instead of destroying the request, which would take the answer's socket with it.
 */
function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(new BadRequest(`the body is ${declared} bytes; allowed: at most ${limit}`, 413));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (error?: Error) => {
      request.off('data', onData).off('end', onEnd).off('error', onClose).off('close', onClose);
      if (error) reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      request.pause();
      stop(new BadRequest(`the body is over ${limit} bytes; allowed: at most ${limit}`, 413));
    };
    const onEnd = () => {
      stop();
      const body = Buffer.concat(chunks);
      if (!isUtf8(body)) reject(new BadRequest('the body is not valid UTF-8; allowed: JSON in UTF-8'));
      else resolve(body.toString('utf8'));
    };
    // The client went away before its body was whole ('aborted', then 'close'): no one is left to answer.
    const onClose = () => stop(new BadRequest('the body was cut short: the connection closed', 400));
    request.on('data', onData).on('end', onEnd).on('error', onClose).on('close', onClose);
  });
}

async function check(fn: () => Promise<void>, deadlineMs: number): Promise<{ ok: boolean; ms: number; error?: string; cause?: unknown }> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Timeout('the check', deadlineMs)), deadlineMs))),
    ]);
    return { ok: true, ms: Math.round((performance.now() - start) * 10) / 10 };
  } catch (error) {
    return { ok: false, ms: Math.round((performance.now() - start) * 10) / 10, error: reasonOf(error), cause: error };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether the request comes from this server itself (loopback, and forwarded by no proxy): an
 * operator's `curl localhost` on the host or in the task, or a test. Only such a caller is shown
 * /readyz in full; every load balancer, CDN and the local edge add X-Forwarded-For.
 */
export function fromThisServer(request: IncomingMessage): boolean {
  const address = request.socket.remoteAddress ?? '';
  const loopback = address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
  const { headers } = request;
  return loopback && headers['x-forwarded-for'] === undefined && headers.forwarded === undefined && headers.via === undefined;
}

/** One request on its way through: what the answer needs and what its log line says. */
interface Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly start: number;
}

/** Counts of item reads by what the cache did, since the process started: the hit ratio /readyz reports. */
class CacheReads {
  hits = 0;
  misses = 0;
  unavailable = 0;
  toJSON() {
    const total = this.hits + this.misses + this.unavailable;
    return {
      hits: this.hits,
      misses: this.misses,
      unavailable: this.unavailable,
      hitRatio: total === 0 ? null : Math.round((this.hits / total) * 1000) / 1000,
    };
  }
}

export function createApp(options: AppOptions): (request: IncomingMessage, response: ServerResponse) => void {
  const { store, cache, log, identity } = options;
  const sessions = options.sessions ?? new MemorySessions();
  const sessionTtl = options.sessionTtlSeconds ?? SESSION_TTL_SECONDS;
  const cacheKey = (id: string) => `item:${id}`;
  const reads = new CacheReads();
  const HEALTHY = '{"status":"ok"}';
  const IDENTITY = JSON.stringify({
    service: 'zero-to-millions',
    stage: identity.stage,
    host: identity.host,
    version: identity.version,
    region: identity.region,
    dataStore: store.kind,
    cache: cache ? (identity.cacheKind ?? 'local') : 'off',
    sessions: sessions.kind,
  });
  const DOCUMENT = JSON.stringify(openApiDocument(identity.version));
  const trustedOrigins = new Set(options.trustedOrigins);

  function send(x: Exchange, status: number, body: string, cacheControl: string, extra?: OutgoingHttpHeaders, error?: string): void {
    const bytes = Buffer.byteLength(body);
    const headers: OutgoingHttpHeaders = {
      'Content-Type': 'application/json',
      'Content-Length': bytes,
      'Cache-Control': cacheControl,
      'X-Content-Type-Options': 'nosniff',
      'X-Request-Id': x.id,
      'X-Stage': identity.stage,
      'X-Region': identity.region,
      'X-Served-By': identity.host,
    };
    if (extra !== undefined) Object.assign(headers, extra);
    if (status === 304) {
      // A 304 carries the validators and caching headers of the 200 it stands for, not its body's.
      delete headers['Content-Length'];
      delete headers['Content-Type'];
    }
    if (!x.response.headersSent) x.response.writeHead(status, headers);
    x.response.end(status === 304 ? undefined : body);
    const level = status < 500 ? 'info' : status === 503 ? 'warn' : 'error';
    const path = x.path.length > LOGGED_PATH_LENGTH ? `${x.path.slice(0, LOGGED_PATH_LENGTH)}…` : x.path;
    log.request(
      level,
      x.id,
      x.method,
      path,
      status,
      Math.round((performance.now() - x.start) * 10) / 10,
      status === 304 ? 0 : bytes,
      error,
    );
  }

  const fail = (
    x: Exchange,
    status: number,
    message: string,
    extra?: OutgoingHttpHeaders,
    fields?: Record<string, unknown>,
    logged?: string,
  ) => send(x, status, JSON.stringify({ error: message, ...fields }), CACHE_CONTROL.never, extra, logged);

  const notAllowed = (x: Exchange, allowed: string) =>
    fail(x, 405, `${x.method} is not allowed on ${show(x.path, 120)}; allowed: ${allowed}`, { Allow: allowed });

  function failWith(x: Exchange, error: unknown): void {
    if (error instanceof BadRequest) {
      // After a body refused unread, the rest of it is not read: the connection closes.
      fail(x, error.status, error.message, error.status === 400 ? undefined : { Connection: 'close' });
    } else if (error instanceof StoreUnavailable) {
      const reason = reasonOf(error);
      fail(
        x,
        503,
        error.cause instanceof SessionContention
          ? 'other requests are changing this session at this moment; retry shortly'
          : error instanceof SessionStoreUnavailable
            ? 'the session store is unavailable; retry shortly (items do not depend on it)'
            : 'the data store is unavailable; retry shortly',
        { 'Retry-After': RETRY_AFTER_SECONDS },
        { store: error.store, reason },
        `${reason}: ${error.message}`,
      );
    } else {
      const detail = (error as Error)?.stack ?? String(error);
      fail(x, 500, `internal error; quote the request id ${x.id}`, undefined, undefined, detail);
    }
  }

  /** Every dependency checked at once, each within the deadline. */
  function checkAll() {
    const deadline = options.readyDeadlineMs ?? READY_DEADLINE_MS;
    return Promise.all([
      check(() => store.ping(), deadline),
      store.hasReaders && store.pingReaders ? check(() => store.pingReaders!(), deadline) : undefined,
      cache ? check(() => cache.ping(), deadline) : undefined,
      // Sessions in the cache are on the cache's connection: its check is theirs.
      sessions.kind === 'dynamodb' && sessions.ping ? check(() => sessions.ping!(), deadline) : undefined,
    ]);
  }
  let publicCheck: { readonly checks: ReturnType<typeof checkAll>; endedAt?: number } | undefined;
  /** The check the public's /readyz answers with: the one under way, or one that ended within READY_REUSE_MS, or a new one. */
  function sharedCheck(): ReturnType<typeof checkAll> {
    const reuseMs = options.readyReuseMs ?? READY_REUSE_MS;
    if (publicCheck && (publicCheck.endedAt === undefined || performance.now() - publicCheck.endedAt < reuseMs)) return publicCheck.checks;
    const current: { checks: ReturnType<typeof checkAll>; endedAt?: number } = { checks: checkAll() };
    void current.checks.then(() => (current.endedAt = performance.now()));
    publicCheck = current;
    return current.checks;
  }

  /**
   * Readiness. The public (anyone not on this server) is told the verdict only, from a shared
   * check; this server's own callers get a fresh check with every dependency's latency, failure
   * reason and the cache's hit ratio. Either way the log line of a 503 says why.
   */
  async function readiness(x: Exchange): Promise<void> {
    const inside = fromThisServer(x.request);
    const [writer, readers, cacheCheck, sessionCheck] = await (inside ? checkAll() : sharedCheck());
    const { cause: writerCause, ...writerAnswer } = writer;
    const shown = (c: Awaited<ReturnType<typeof check>>) => {
      const { cause: _, ...rest } = c;
      return rest;
    };
    const sessionAnswer =
      sessions.kind === 'memory'
        ? { kind: 'memory' }
        : { kind: sessions.kind, ...shown((sessions.kind === 'cache' ? cacheCheck : sessionCheck)!) };
    const degraded = [readers, cacheCheck, sessionCheck].some((c) => c !== undefined && !c.ok);
    const status = !writer.ok ? 'not ready' : degraded ? 'degraded' : 'ready';
    const body = JSON.stringify(
      inside
        ? {
            status,
            dataStore: { kind: store.kind, ...writerAnswer, ...(readers ? { readers: shown(readers) } : {}) },
            cache: cacheCheck ? { ...shown(cacheCheck), reads } : 'off',
            sessions: sessionAnswer,
          }
        : { status },
    );
    const logged = writer.ok ? undefined : `${writer.error}: ${(writerCause as Error)?.message ?? String(writerCause)}`;
    send(x, writer.ok ? 200 : 503, body, CACHE_CONTROL.never, writer.ok ? undefined : { 'Retry-After': RETRY_AFTER_SECONDS }, logged);
  }

  async function create(x: Exchange): Promise<void> {
    const problem = contentTypeProblem(x.request);
    if (problem !== undefined) throw new BadRequest(problem, 415);
    const fields = parseNewItem(await readBody(x.request, options.bodyLimitBytes));
    const item: Item = { id: randomUUID(), createdAt: new Date().toISOString(), ...fields };
    await store.put(item);
    // Ids are new UUIDs and items never change: there is nothing in the cache to invalidate.
    await noteInSession(x, { id: item.id, action: 'created' });
    send(x, 201, itemJson(item), CACHE_CONTROL.never, { Location: `/items/${item.id}` });
  }

  /**
   * Notes a new item in the session the request names, if any, within SESSION_NOTE_DEADLINE_MS:
   * the item is stored already, so a session store that fails or is slow costs the note, not the write.
   */
  async function noteInSession(x: Exchange, item: Omit<RecentItem, 'at'>): Promise<void> {
    const cookie = sessionIdOf(x.request.headers.cookie);
    if (cookie.kind !== 'id') return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        (async () => {
          const session = await sessions.get(cookie.id);
          if (session) await changeSession(cookie.id, session, (s) => touch(s, Date.now(), sessionTtl, item));
        })(),
        new Promise(
          (_, reject) =>
            (timer = setTimeout(() => reject(new Timeout('the session store', SESSION_NOTE_DEADLINE_MS)), SESSION_NOTE_DEADLINE_MS)),
        ),
      ]);
    } catch (error) {
      log.event({ level: 'warn', msg: 'the new item was stored but not noted in its session', requestId: x.id, error: reasonOf(error) });
    } finally {
      clearTimeout(timer);
    }
  }

  /** A session's answer; the cookie is set again, so its lifetime slides with the session's. */
  function sendSession(x: Exchange, status: number, id: string, session: Session, extra?: OutgoingHttpHeaders): void {
    send(x, status, JSON.stringify(session), CACHE_CONTROL.never, { 'Set-Cookie': sessionCookie(id, sessionTtl), ...extra });
  }

  /**
   * A 400 for a session cookie that cannot be read. A malformed one is cleared; one sent twice is
   * not, since clearing would remove only the genuine one (session-cookie.ts says why).
   */
  function refuseCookie(x: Exchange, cookie: { kind: 'malformed' | 'twice'; problem: string }): void {
    fail(x, 400, cookie.problem, cookie.kind === 'malformed' ? { 'Set-Cookie': CLEARED_COOKIE } : undefined);
  }

  /** The session the cookie names, or undefined once the answer (400 or 401) is sent. */
  async function sessionOf(x: Exchange): Promise<{ id: string; session: Session } | undefined> {
    const cookie = sessionIdOf(x.request.headers.cookie);
    if (cookie.kind === 'malformed' || cookie.kind === 'twice') {
      refuseCookie(x, cookie);
      return undefined;
    }
    if (cookie.kind === 'none') {
      fail(x, 401, 'no session: start one with POST /sessions');
      return undefined;
    }
    const session = await sessions.get(cookie.id);
    if (!session) {
      fail(x, 401, SESSION_ENDED, { 'Set-Cookie': CLEARED_COOKIE });
      return undefined;
    }
    return { id: cookie.id, session };
  }

  /**
   * Applies `change` to a session as a compare-and-set: the store takes the changed session only if
   * the stored one is still the one read; when another request changed it first, it is read again and
   * changed again, a little later each time (random, doubling: requests that collided now should not
   * collide again). Undefined when the session ended (or expired) meanwhile: an ended session never
   * comes back. A change that only slides the expiry is not retried: the request that won has just
   * slid it, and the session it left is the answer. After SESSION_CHANGE_ATTEMPTS collisions, a 503.
   * (A 503 from a store that stopped answering may come after the change was made: every change here
   * may be sent again.)
   */
  async function changeSession(
    id: string,
    read: Session,
    change: (session: Session) => Session,
    slideOnly = false,
  ): Promise<Session | undefined> {
    let current: Session | undefined = read;
    for (let attempt = 1; current; attempt++) {
      const next = change(current);
      if (await sessions.replace(id, current, next)) return next;
      if (attempt === SESSION_CHANGE_ATTEMPTS) throw new SessionStoreUnavailable(sessions.kind, new SessionContention(attempt));
      if (!slideOnly) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(5 * 2 ** attempt, 200)));
      current = await sessions.get(id);
      if (slideOnly) return current;
    }
    return undefined;
  }

  async function startSession(x: Exchange): Promise<void> {
    const id = newSessionId();
    const session = touch(undefined, Date.now(), sessionTtl);
    await sessions.put(id, session);
    sendSession(x, 201, id, session, { Location: '/session' });
  }

  async function showSession(x: Exchange): Promise<void> {
    const found = await sessionOf(x);
    if (!found) return;
    const session = await changeSession(found.id, found.session, (s) => touch(s, Date.now(), sessionTtl), true);
    if (!session) return fail(x, 401, SESSION_ENDED, { 'Set-Cookie': CLEARED_COOKIE });
    sendSession(x, 200, found.id, session);
  }

  async function endSession(x: Exchange): Promise<void> {
    const cookie = sessionIdOf(x.request.headers.cookie);
    if (cookie.kind === 'malformed' || cookie.kind === 'twice') return refuseCookie(x, cookie);
    if (cookie.kind === 'none') return fail(x, 401, 'no session: there is nothing to end');
    // Ending a session that has already ended or expired ends nothing more, and says so the same way.
    await sessions.delete(cookie.id);
    send(x, 200, '{"status":"ended"}', CACHE_CONTROL.never, { 'Set-Cookie': CLEARED_COOKIE });
  }

  async function noteView(x: Exchange): Promise<void> {
    const problem = contentTypeProblem(x.request);
    if (problem !== undefined) throw new BadRequest(problem, 415);
    const id = parseView(await readBody(x.request, options.bodyLimitBytes));
    const found = await sessionOf(x);
    if (!found) return;
    const session = await changeSession(found.id, found.session, (s) => touch(s, Date.now(), sessionTtl, { id, action: 'viewed' }));
    if (!session) return fail(x, 401, SESSION_ENDED, { 'Set-Cookie': CLEARED_COOKIE });
    sendSession(x, 200, found.id, session);
  }

  async function read(x: Exchange, segment: string): Promise<void> {
    let id = segment;
    if (id.includes('%')) {
      try {
        id = decodeURIComponent(id);
      } catch {
        // malformed percent-encoding: not a UUID either
      }
    }
    id = id.toLowerCase();
    if (!isItemId(id)) return fail(x, 404, `no item ${show(segment, 80)}: item ids are UUIDs such as ${ID_EXAMPLE}`);
    // One address per item, so the CDN (which keys on the path) keeps one copy: upper case or
    // percent-encoding is sent to the canonical address, never answered (or cached) under another.
    if (id !== segment) {
      const location = `/items/${id}`;
      return send(x, 301, JSON.stringify({ location, reason: CANONICAL_ID }), CACHE_CONTROL.never, { Location: location });
    }
    // X-Data-Cache: what the service's cache did (CloudFront's own X-Cache says what the edge did).
    let dataCache: 'hit' | 'miss' | 'off' | 'unavailable' = 'off';
    let body: string | undefined;
    if (cache) {
      const found = await cache.get(cacheKey(id));
      if (typeof found === 'string') {
        body = found;
        dataCache = 'hit';
        reads.hits++;
      } else if (found === UNAVAILABLE) {
        dataCache = 'unavailable';
        reads.unavailable++;
      } else {
        dataCache = 'miss';
        reads.misses++;
      }
    }
    // X-Data-Source: which part of the data tier answered (`cache` when the cache did), so a test
    // from outside can tell a replica's answer from the writer's.
    let dataSource: DataSource | 'cache' = 'cache';
    if (body === undefined) {
      const found = await store.get(id);
      dataSource = found.source;
      if (found.body === undefined) return fail(x, 404, `no item ${id}`, { 'X-Data-Cache': dataCache, 'X-Data-Source': dataSource });
      body = found.body;
      // Not awaited: the answer does not wait for the cache, and a failed set is only a later miss.
      void cache?.set(cacheKey(id), body, options.cacheTtlSeconds);
    }
    const etag = etagOf(id);
    const ifNoneMatch = x.request.headers['if-none-match'];
    send(x, ifNoneMatch !== undefined && matches(ifNoneMatch, etag) ? 304 : 200, body, CACHE_CONTROL.item, {
      ETag: etag,
      'X-Data-Cache': dataCache,
      'X-Data-Source': dataSource,
    });
  }

  /** Answers at once, or returns the work that will answer. */
  function route(x: Exchange, path: string, reading: boolean): Promise<void> | undefined {
    const { method } = x;
    switch (path) {
      case '/healthz':
        if (reading) send(x, 200, HEALTHY, CACHE_CONTROL.never);
        else notAllowed(x, GET_ONLY);
        return undefined;
      case '/':
        if (reading) send(x, 200, IDENTITY, CACHE_CONTROL.never);
        else notAllowed(x, GET_ONLY);
        return undefined;
      case '/openapi.json':
        if (reading) send(x, 200, DOCUMENT, CACHE_CONTROL.document);
        else notAllowed(x, GET_ONLY);
        return undefined;
      case '/readyz':
        if (reading) return readiness(x);
        notAllowed(x, GET_ONLY);
        return undefined;
      case '/items':
        if (method === 'POST') return create(x);
        notAllowed(x, 'POST');
        return undefined;
      case '/sessions':
        if (method === 'POST') return startSession(x);
        notAllowed(x, 'POST');
        return undefined;
      case '/session':
        if (reading) return showSession(x);
        if (method === 'DELETE') return endSession(x);
        notAllowed(x, SESSION_METHODS);
        return undefined;
      case '/session/views':
        if (method === 'POST') return noteView(x);
        notAllowed(x, 'POST');
        return undefined;
      default:
        if (path.length > 7 && path.startsWith('/items/') && path.indexOf('/', 7) === -1) {
          if (reading) return read(x, path.slice(7));
          notAllowed(x, GET_ONLY);
          return undefined;
        }
        fail(x, 404, `no route ${method} ${show(path, 120)}; routes: ${ROUTE_LIST.join(', ')}`, undefined, { routes: ROUTE_LIST });
        return undefined;
    }
  }

  return function handle(request: IncomingMessage, response: ServerResponse): void {
    const start = performance.now();
    const given = requestIdOf(request.rawHeaders);
    const id = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
    const method = request.method ?? 'GET';
    const target = request.url ?? '/';
    const path = pathOf(target);
    const x: Exchange = { request, response, id, method, path: path ?? target, start };
    if (path === undefined) {
      fail(x, 400, `request target: got ${show(target, 80)}; allowed: a path beginning with /`);
      return;
    }
    const reading = method === 'GET' || method === 'HEAD';
    if (!reading) {
      // Before any route: whatever a method does anywhere, another site's page may not make it.
      const refusal = crossSiteRefusal(request.headers, trustedOrigins);
      if (refusal) {
        fail(x, 403, refusal.message, undefined, { header: refusal.header, value: refusal.value });
        return;
      }
    }
    let work: Promise<void> | undefined;
    try {
      work = route(x, path, reading);
    } catch (error) {
      failWith(x, error);
      return;
    }
    work?.catch((error: unknown) => failWith(x, error));
  };
}
