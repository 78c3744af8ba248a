/**
 * The read cache: Redis, cache-aside. A cache that is down never fails a request: reads fall through
 * to the store and writes still invalidate when they can. /readyz reports it.
 */
import { createClient } from 'redis';

export interface Cache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class RedisCache implements Cache {
  private readonly client: ReturnType<typeof createClient>;

  constructor(url: string, private readonly log: (fields: Record<string, unknown>) => void) {
    this.client = createClient({
      url,
      // Commands fail at once while disconnected, instead of queueing behind a reconnect.
      disableOfflineQueue: true,
      socket: { connectTimeout: 1000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) },
    });
    this.client.on('error', (error: Error) => this.log({ level: 'warn', msg: 'cache error', error: error.message }));
    this.client.connect().catch((error: Error) => this.log({ level: 'warn', msg: 'cache not reachable at start; reconnecting', error: error.message }));
  }

  private async quietly<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (error) {
      this.log({ level: 'warn', msg: `cache ${what} failed`, error: (error as Error).message });
      return undefined;
    }
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.quietly('get', () => this.client.get(key))) ?? undefined;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.quietly('set', () => this.client.set(key, value, { expiration: { type: 'EX', value: ttlSeconds } }));
  }

  async delete(key: string): Promise<void> {
    await this.quietly('delete', () => this.client.del(key));
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    if (this.client.isOpen) await this.client.close();
  }
}
