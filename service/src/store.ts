/** What the service needs from a data store; PostgreSQL and DynamoDB implement it alike. */

export interface NewItem {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

export interface Item extends NewItem {
  readonly id: string;
  readonly createdAt: string;
}

/**
 * Which part of the data tier answered a read, as X-Data-Source says it: `reader` a reader endpoint
 * (stage 4's replicas), `writer` the writer (no readers, or they missed, failed or are skipped while
 * their breaker is open), `table` the DynamoDB table.
 */
export const DATA_SOURCES = ['reader', 'writer', 'table'] as const;
export type DataSource = (typeof DATA_SOURCES)[number];

/**
 * What a read found: the item as its JSON representation (what `itemJson` makes), or undefined when
 * there is none with that id, and who answered. A new object for each item found (the store has
 * built a new body for it anyway); a miss is one of NOT_FOUND's, shared, since nothing in it varies.
 * Never a result object reused across calls: reads of concurrent requests would overwrite each other's.
 */
export interface ItemRead {
  readonly body: string | undefined;
  readonly source: DataSource;
}

/** The answer to a read of an id no item has, one per source, shared by every such read. */
export const NOT_FOUND: Readonly<Record<DataSource, ItemRead>> = Object.freeze({
  reader: Object.freeze({ body: undefined, source: 'reader' }),
  writer: Object.freeze({ body: undefined, source: 'writer' }),
  table: Object.freeze({ body: undefined, source: 'table' }),
});

export interface ItemStore {
  /** `postgresql` or `dynamodb`, as `GET /` reports it. */
  readonly kind: string;
  /** Stores a new item. Throws `StoreUnavailable` when the store cannot take it now. */
  put(item: Item): Promise<void>;
  /**
   * The item's JSON, or undefined when there is none with that id, and which part of the data tier
   * answered: the service sends and caches the body as it is, without parsing it again, and says
   * the source in X-Data-Source.
   */
  get(id: string): Promise<ItemRead>;
  /** Round trip to the store (the writer, when there are readers); throws `StoreUnavailable` when it cannot be reached. */
  ping(): Promise<void>;
  /** Whether reads go to readers first (stage 4's reader endpoint). */
  readonly hasReaders?: boolean;
  /** Round trip to the readers, for /readyz; reads fall back to the writer, so failing readers only degrade. */
  pingReaders?(): Promise<void>;
  /** Closes connections; gives up on work in flight rather than wait for it. */
  close(): Promise<void>;
}

/** An item's JSON representation: its fields in this order, as `POST /items` and `GET /items/:id` answer. */
export const itemJson = (item: Item): string =>
  JSON.stringify({ id: item.id, name: item.name, attributes: item.attributes, createdAt: item.createdAt });
