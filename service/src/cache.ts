/**
 * The read cache: Redis, cache-aside. The cache is an optimisation, so its failure makes requests
 * slower at worst, never failed or hung: every call has a hard deadline (CACHE_TIMEOUT_MS, tens of
 * milliseconds), a call that fails or times out reads as a miss, and after a few failures in a row a
 * breaker skips the cache for a while, logging the outage once when it starts and once when it ends.
 */
import { Breaker } from './breaker';
import { reasonOf } from './errors';
import type { LogFields } from './log';
import { RedisClient } from './redis-client';

export interface Cache {
  /** The value, or undefined on a miss, a failure or while the cache is skipped. */
  get(key: string): Promise<string | undefined>;
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

export class RedisCache implements Cache {
  private readonly client: RedisClient;
  private readonly breaker: Breaker;

  constructor(url: string, timeoutMs: number, log: (fields: LogFields) => void) {
    this.client = new RedisClient({
      url,
      timeoutMs,
      onConnectionLost: (error) => log({ level: 'warn', msg: 'cache connection lost; reconnecting', error }),
      onSetupRefused: (error) => log({ level: 'error', msg: 'the cache refused the connection (check CACHE_URL); retrying', error }),
    });
    this.breaker = new Breaker({
      failures: BREAKER_FAILURES,
      openMs: BREAKER_OPEN_MS,
      onOpen: (error) =>
        log({ level: 'warn', msg: `cache unavailable: skipping it, trying again every ${BREAKER_OPEN_MS} ms`, error: reasonOf(error), detail: (error as Error)?.message }),
      onClose: (outageMs, skipped) => log({ level: 'info', msg: 'cache available again', outageMs, skipped }),
    });
  }

  async get(key: string): Promise<string | undefined> {
    if (!this.breaker.allow()) return undefined;
    try {
      const value = await this.client.send(['GET', key]);
      this.breaker.success();
      return typeof value === 'string' ? value : undefined;
    } catch (error) {
      this.breaker.failure(error);
      return undefined;
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
