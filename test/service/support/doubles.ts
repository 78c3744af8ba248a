/**
 * In-memory stand-ins for the data store and the cache, for unit tests of the app: each can be
 * made down, slow or hung. The suites on real engines (npm run test:integration) run the same app
 * against PostgreSQL, dynalite and Redis.
 */
import { type Cache, type CacheRead, UNAVAILABLE } from '../../../service/src/cache';
import { SessionStoreUnavailable, StoreUnavailable } from '../../../service/src/errors';
import { MemorySessions, type Session } from '../../../service/src/sessions';
import { type DataSource, type Item, type ItemRead, type ItemStore, itemJson, NOT_FOUND } from '../../../service/src/store';

export class MemoryStore implements ItemStore {
  readonly kind = 'postgresql';
  readonly items = new Map<string, Item>();
  /** Set to make every call fail as a store that cannot be reached. */
  down?: Error;
  /** Set to make every call throw this (a bug). */
  broken?: Error;
  delayMs = 0;
  /** Set to make ping never answer. */
  hung = false;
  closed = false;

  private async check() {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.broken) throw this.broken;
    if (this.down) throw new StoreUnavailable('postgresql', this.down);
  }
  async put(item: Item) {
    await this.check();
    this.items.set(item.id, item);
  }
  /** Who a read says answered: the writer, as PostgreSQL without readers; a test sets another. */
  source: DataSource = 'writer';
  async get(id: string): Promise<ItemRead> {
    await this.check();
    const item = this.items.get(id);
    return item ? { body: itemJson(item), source: this.source } : NOT_FOUND[this.source];
  }
  async ping() {
    if (this.hung) return new Promise<void>(() => undefined);
    await this.check();
  }
  async close() {
    this.closed = true;
  }
}

/** A store with a writer and readers (stage 4): the readers may lag (miss what was just written) or be down. */
export class ReplicatedMemoryStore extends MemoryStore {
  readonly hasReaders = true;
  readersDown?: Error;
  async pingReaders() {
    if (this.readersDown) throw new StoreUnavailable('postgresql', this.readersDown);
  }
}

/** Sessions in memory that can be made down, as a shared store that cannot be reached. */
export class FailingSessions extends MemorySessions {
  down?: Error;
  private check() {
    if (this.down) throw new SessionStoreUnavailable('cache', this.down);
  }
  override async get(id: string) {
    this.check();
    return super.get(id);
  }
  override async put(id: string, session: Session) {
    this.check();
    return super.put(id, session);
  }
  override async delete(id: string) {
    this.check();
    return super.delete(id);
  }
}

/** Sessions that another request changes just before each change of this one: every compare-and-set loses. */
export class ContestedSessions extends MemorySessions {
  replaced = 0;
  override async replace(id: string, previous: Session, next: Session) {
    // Someone else's change lands first.
    await super.replace(id, previous, { ...previous, lastSeenAt: next.lastSeenAt });
    this.replaced++;
    return super.replace(id, previous, next);
  }
}

export class MemoryCache implements Cache {
  readonly values = new Map<string, string>();
  readonly calls: string[] = [];
  failing = false;
  async get(key: string): Promise<CacheRead> {
    this.calls.push(`get ${key}`);
    return this.failing ? UNAVAILABLE : this.values.get(key);
  }
  async set(key: string, value: string, ttl: number) {
    this.calls.push(`set ${key} ${ttl}`);
    if (!this.failing) this.values.set(key, value);
  }
  async ping() {
    if (this.failing) throw Object.assign(new Error('connect ECONNREFUSED 10.0.7.9:6379'), { code: 'ECONNREFUSED' });
  }
  async close() {}
}
