/**
 * Sessions: a little state per visitor (when it started, when it was last seen, the items it
 * created or viewed, most recent first), kept where SESSION_STORE says:
 * - `memory` (unset): in each process. Stages 1 to 5 do this on purpose: a visitor whose next request
 *   reaches another server has no session there, so servers are not interchangeable;
 * - `cache`: the cache every server shares (the managed Valkey of stage 6), under `session:<id>`,
 *   expiring by the cache's own TTL;
 * - `dynamodb`: a table every server shares (SESSION_TABLE), which DynamoDB expires by `expiresAt`
 *   (late: its store checks the expiry itself on every read).
 * A session lives SESSION_TTL_SECONDS after it was last used (sliding). A store that cannot answer
 * throws SessionStoreUnavailable: a 503 on the session routes, and items do not depend on it.
 *
 * A change is a compare-and-set: `replace` stores the new session only if the stored one is still the
 * one that was read. Requests of one visitor run at once on several servers; a blind write would lose
 * one of two concurrent changes, and would bring back a session another request has just ended.
 */
import { CACHE_KEY_PREFIXES } from '../../lib/data-contract';
import { SessionStoreUnavailable } from './errors';
import type { RedisClient } from './redis-client';
import { ITEM_ID_PATTERN } from './validate';

/** The most items a session remembers. */
export const RECENT_LIMIT = 20;
/**
 * The most sessions one process keeps in memory; past it the least recently used goes. A full session
 * takes about 8 KB in memory, so this bounds them near 80 MB on a 2 GiB server; anyone may start
 * sessions, so a flood ends the oldest (which is how memory sessions fail: stage 6 moves them out).
 */
export const MEMORY_SESSIONS_LIMIT = 10_000;
const SESSION_PREFIX = CACHE_KEY_PREFIXES[1];

export interface RecentItem {
  readonly id: string;
  readonly action: 'created' | 'viewed';
  readonly at: string;
}

/** What a session holds; its id is never part of it (it lives only in the visitor's HttpOnly cookie). */
export interface Session {
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly expiresAt: string;
  readonly recent: readonly RecentItem[];
}

export interface SessionStore {
  readonly kind: 'memory' | 'cache' | 'dynamodb';
  /** The session, or undefined when there is none with this id or it has expired. */
  get(id: string): Promise<Session | undefined>;
  /** Stores a new session until its `expiresAt`. */
  put(id: string, session: Session): Promise<void>;
  /**
   * Stores `next` in place of `previous` (as `get` returned it), until its `expiresAt`, only if the
   * stored session is still `previous`: false when it has changed or ended since, and nothing is written.
   */
  replace(id: string, previous: Session, next: Session): Promise<boolean>;
  delete(id: string): Promise<void>;
  /** A round trip to a shared store, for /readyz. */
  ping?(): Promise<void>;
  close(): Promise<void>;
}

/** A new session, or the one given seen again now: its expiry slides, and `item` (if any) goes first in its list. */
export function touch(session: Session | undefined, nowMs: number, ttlSeconds: number, item?: Omit<RecentItem, 'at'>): Session {
  const now = new Date(nowMs).toISOString();
  const recent = session?.recent ?? [];
  return {
    createdAt: session?.createdAt ?? now,
    lastSeenAt: now,
    expiresAt: new Date(nowMs + ttlSeconds * 1000).toISOString(),
    recent: item ? [{ ...item, at: now }, ...recent.filter((r) => r.id !== item.id)].slice(0, RECENT_LIMIT) : recent,
  };
}

const ID = new RegExp(ITEM_ID_PATTERN);
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** A stored session as read back: anything else (another program's value, a half-written one) is no session. */
export function asSession(value: unknown): Session | undefined {
  const s = value as Partial<Session> | null;
  if (typeof s !== 'object' || s === null) return undefined;
  if (![s.createdAt, s.lastSeenAt, s.expiresAt].every((t) => typeof t === 'string' && ISO.test(t) && !Number.isNaN(Date.parse(t))))
    return undefined;
  if (!Array.isArray(s.recent)) return undefined;
  const recent = s.recent
    .filter(
      (r): r is RecentItem =>
        typeof r?.id === 'string' && ID.test(r.id) && (r.action === 'created' || r.action === 'viewed') && ISO.test(String(r.at)),
    )
    .slice(0, RECENT_LIMIT)
    .map(({ id, action, at }) => ({ id, action, at }));
  return { createdAt: s.createdAt!, lastSeenAt: s.lastSeenAt!, expiresAt: s.expiresAt!, recent };
}

/** Past its expiry, or with an expiry that is no date (NaN compares false: it would never expire). */
const expired = (session: Session, nowMs: number) => !(Date.parse(session.expiresAt) > nowMs);

/** Each process its own: the flaw of stages 1 to 5. */
export class MemorySessions implements SessionStore {
  readonly kind = 'memory';
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly limit = MEMORY_SESSIONS_LIMIT,
  ) {}

  async get(id: string): Promise<Session | undefined> {
    const session = this.sessions.get(id);
    if (session && expired(session, this.now())) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  async put(id: string, session: Session): Promise<void> {
    // Re-inserted, so the map's order is least recently used first.
    this.sessions.delete(id);
    this.sessions.set(id, session);
    for (const [oldest, kept] of this.sessions) {
      if (this.sessions.size <= this.limit && !expired(kept, this.now())) break;
      this.sessions.delete(oldest);
    }
  }

  async replace(id: string, previous: Session, next: Session): Promise<boolean> {
    if (this.sessions.get(id) !== previous) return false;
    await this.put(id, next);
    return true;
  }

  async delete(id: string): Promise<void> {
    this.sessions.delete(id);
  }

  async close(): Promise<void> {}
}

/**
 * Sets KEYS[1] to ARGV[2] with a TTL of ARGV[3] seconds only if it still holds ARGV[1]: one atomic
 * compare-and-set on one key (ElastiCache runs scripts that name every key they touch).
 */
export const COMPARE_AND_SET = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) and 1 else return 0 end`;

/** In the shared cache, under `session:<id>`, with the cache's TTL; on the cache's one connection. */
export class CacheSessions implements SessionStore {
  readonly kind = 'cache';

  constructor(
    private readonly client: RedisClient,
    private readonly now: () => number = Date.now,
  ) {}

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new SessionStoreUnavailable('cache', error);
    }
  }

  /** The stored text of each session read, which a replace compares against. */
  private readonly stored = new WeakMap<Session, string>();

  async get(id: string): Promise<Session | undefined> {
    let value: unknown;
    try {
      value = await this.call(() => this.client.send(['GET', `${SESSION_PREFIX}${id}`]));
    } catch (error) {
      // Another program's hash or list under the key: no session, as any other value that is not one.
      if (error instanceof SessionStoreUnavailable && /^WRONGTYPE/.test(String((error.cause as Error)?.message))) return undefined;
      throw error;
    }
    if (typeof value !== 'string') return undefined;
    let session: Session | undefined;
    try {
      session = asSession(JSON.parse(value));
    } catch {
      return undefined;
    }
    if (!session || expired(session, this.now())) return undefined;
    this.stored.set(session, value);
    return session;
  }

  private ttlOf(session: Session): string {
    return String(Math.max(1, Math.ceil((Date.parse(session.expiresAt) - this.now()) / 1000)));
  }

  async put(id: string, session: Session): Promise<void> {
    await this.call(() => this.client.send(['SET', `${SESSION_PREFIX}${id}`, JSON.stringify(session), 'EX', this.ttlOf(session)]));
  }

  async replace(id: string, previous: Session, next: Session): Promise<boolean> {
    const was = this.stored.get(previous);
    if (was === undefined) return false;
    const done = await this.call(() =>
      this.client.send(['EVAL', COMPARE_AND_SET, '1', `${SESSION_PREFIX}${id}`, was, JSON.stringify(next), this.ttlOf(next)]),
    );
    return done === 1;
  }

  async delete(id: string): Promise<void> {
    await this.call(() => this.client.send(['DEL', `${SESSION_PREFIX}${id}`]));
  }

  async ping(): Promise<void> {
    await this.call(() => this.client.send(['PING']));
  }

  /** The connection is the cache's, closed with it. */
  async close(): Promise<void> {}
}
