/** What the service needs from a data store; PostgreSQL and DynamoDB implement it alike. */

export interface NewItem {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

export interface Item extends NewItem {
  readonly id: string;
  readonly createdAt: string;
}

export interface ItemStore {
  /** `postgresql` or `dynamodb`, as `GET /` reports it. */
  readonly kind: string;
  /** Stores a new item. Throws `StoreUnavailable` when the store cannot take it now. */
  put(item: Item): Promise<void>;
  /**
   * The item as its JSON representation (what `itemJson` makes), or undefined when there is none
   * with that id: the service sends and caches it as it is, without parsing it again.
   */
  get(id: string): Promise<string | undefined>;
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
