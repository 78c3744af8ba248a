/**
 * The read cache: Redis or Valkey, cache-aside. The cache is an optimisation, so its failure makes
 * requests slower at worst, never failed or hung: every call has a hard deadline (CACHE_TIMEOUT_MS,
 * tens of milliseconds), a call that fails or times out reads as "unavailable" (the store is asked,
 * as on a miss), and after a few failures in a row a breaker skips the cache for a while, logging
 * the outage once when it starts and once when it ends.
 *
 * One client serves stage 1's local cache (redis://, no password) and the managed cache of stage 5
 * and up (rediss://: TLS, the server's certificate verified against Node's certificate authorities,
 * and every connection authenticated as the user of CACHE_SECRET_ARN). Sessions (stage 6) use the
 * same connection, without the breaker: for them a failure is an answer (503), not a miss.
 */
import { Breaker } from './breaker';
import type { Credentials } from './credentials';
import { reasonOf } from './errors';
import type { LogFields } from './log';
import { RedisClient } from './redis-client';

/** A read the cache could not answer (down, too slow, or skipped by the breaker): the store is asked instead. */
export const UNAVAILABLE: unique symbol = Symbol('the cache is unavailable');
/** What a read of the cache found: the value, nothing (a miss), or UNAVAILABLE. */
export type CacheRead = string | undefined | typeof UNAVAILABLE;

export interface Cache {
  /** The value, undefined on a miss, or UNAVAILABLE on a failure or while the cache is skipped. */
  get(key: string): Promise<CacheRead>;
  /** Stores a value with a time to live; a failure is ignored. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** A round trip within the deadline; throws when the cache does not answer (for /readyz). */
  ping(): Promise<void>;
  /** Closes at once, without waiting for a server that may be hung. */
  close(): Promise<void>;
}

/** Failures in a row that open the breaker, and how long the cache is then skipped before a probe. */
export const BREAKER_FAILURES = 3;
export const BREAKER_OPEN_MS = 2000;

export interface RedisCacheOptions {
  /** redis://host:port (stage 1) or rediss://host:port (the managed cache: TLS). */
  readonly url: string;
  /** The deadline of every call. */
  readonly timeoutMs: number;
  /** The user and password to authenticate as (CACHE_SECRET_ARN); none for stage 1's local cache. */
  readonly credentials?: Credentials;
  readonly log: (fields: LogFields) => void;
}

export class RedisCache implements Cache {
  /** The connection, shared with the sessions kept in the cache. */
  readonly client: RedisClient;
  private readonly breaker: Breaker;

  constructor(options: RedisCacheOptions) {
    const { log } = options;
    this.client = new RedisClient({
      url: options.url,
      timeoutMs: options.timeoutMs,
      credentials: options.credentials,
      onConnectionLost: (error) => log({ level: 'warn', msg: 'cache connection lost; reconnecting', error }),
      onConnectFailed: (error) => log({ level: 'warn', msg: 'cannot connect to the cache; trying again', error }),
    });
    this.breaker = new Breaker({
      failures: BREAKER_FAILURES,
      openMs: BREAKER_OPEN_MS,
      onOpen: (error) =>
        log({
          level: 'warn',
          msg: `cache unavailable: skipping it, trying again every ${BREAKER_OPEN_MS} ms`,
          error: reasonOf(error),
          detail: (error as Error)?.message,
        }),
      onClose: (outageMs, skipped) => log({ level: 'info', msg: 'cache available again', outageMs, skipped }),
    });
  }

  async get(key: string): Promise<CacheRead> {
    if (!this.breaker.allow()) return UNAVAILABLE;
    try {
      const value = await this.client.send(['GET', key]);
      this.breaker.success();
      return typeof value === 'string' ? value : undefined;
    } catch (error) {
      this.breaker.failure(error);
      return UNAVAILABLE;
    }
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    if (!this.breaker.allow()) return;
    try {
      await this.client.send(['SET', key, value, 'EX', String(ttlSeconds)]);
      this.breaker.success();
    } catch (error) {
      this.breaker.failure(error);
    }
  }

  async ping(): Promise<void> {
    const reply = await this.client.send(['PING']);
    if (reply !== 'PONG') throw new Error(`the cache answered PING with ${JSON.stringify(reply)}`);
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
