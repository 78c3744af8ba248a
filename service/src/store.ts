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
  /** Stores a new item. Throws `StoreUnavailable` when the store cannot be reached. */
  put(item: Item): Promise<void>;
  /** The item, or undefined when there is none with that id. */
  get(id: string): Promise<Item | undefined>;
  /** Round trip to the store; throws `StoreUnavailable` when it cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
