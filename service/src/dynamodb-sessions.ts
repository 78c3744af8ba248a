/**
 * Sessions in a DynamoDB table of their own (stage 6 with `dynamodb`): keyed by the session id,
 * expired by DynamoDB's TTL on `expiresAt` (epoch seconds, rounded up). DynamoDB deletes expired items
 * late (within days), so a read checks the exact expiry (`expiresAtIso`) itself. A change is a PutItem
 * on the condition that `version` is still the one read. Only GetItem, PutItem and DeleteItem: what
 * the stack grants. Every call has its own deadline (the SDK's request timeout does not end a call to
 * a server that accepted the connection and never answers).
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SESSION_TTL_ATTRIBUTE, TABLE_PARTITION_KEY } from '../../lib/data-contract';
import { SessionStoreUnavailable } from './errors';
import { asSession, type Session, type SessionStore } from './sessions';

export interface DynamoDbSessionsOptions {
  readonly tableName: string;
  readonly region: string;
  /** A local endpoint (dynalite) instead of AWS, for development and tests. */
  readonly endpoint?: string;
  /** How long one call may take, retries included; SESSION_CALL_DEADLINE_MS unless a test wants less. */
  readonly deadlineMs?: number;
}

/** How long one call to the session table may take before the session routes answer 503. */
export const SESSION_CALL_DEADLINE_MS = 2000;

/** The key /readyz reads: never a session id (those are 43 characters), so it always finds nothing. */
const PROBE_KEY = 'readiness-probe';

export class DynamoDbSessions implements SessionStore {
  readonly kind = 'dynamodb';
  private readonly client: DynamoDBDocumentClient;

  constructor(
    private readonly options: DynamoDbSessionsOptions,
    private readonly now: () => number = Date.now,
  ) {
    const base = new DynamoDBClient({
      region: options.region,
      endpoint: options.endpoint,
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 },
      ...(options.endpoint ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    });
    this.client = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  }

  /** The version of each session read, which a replace is conditional on. */
  private readonly versions = new WeakMap<Session, number>();

  private async call<T>(fn: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await fn(AbortSignal.timeout(this.options.deadlineMs ?? SESSION_CALL_DEADLINE_MS));
    } catch (error) {
      throw new SessionStoreUnavailable('dynamodb', error);
    }
  }

  async get(id: string): Promise<Session | undefined> {
    const { Item } = await this.call((abortSignal) =>
      this.client.send(new GetCommand({ TableName: this.options.tableName, Key: { [TABLE_PARTITION_KEY]: id }, ConsistentRead: true }), {
        abortSignal,
      }),
    );
    // Ended at the exact expiry, or when the TTL attribute DynamoDB deletes by has passed, whichever is first.
    const expiresAt = Item?.expiresAtIso;
    const ttl = Item?.[SESSION_TTL_ATTRIBUTE];
    // (NaN, an expiry that is no date, compares false: it must not mean "never expires".)
    if (typeof expiresAt !== 'string' || typeof ttl !== 'number' || !(Math.min(Date.parse(expiresAt), ttl * 1000) > this.now()))
      return undefined;
    // Written by this service: a whole version from 1, or none (an item from before versions). Anything else is not its item.
    const version = Item?.version;
    if (version !== undefined && !(Number.isSafeInteger(version) && version >= 1)) return undefined;
    const session = asSession({ ...Item, expiresAt });
    if (session) this.versions.set(session, version ?? 0);
    return session;
  }

  private item(id: string, session: Session, version: number) {
    return {
      [TABLE_PARTITION_KEY]: id,
      createdAt: session.createdAt,
      lastSeenAt: session.lastSeenAt,
      recent: session.recent.map((r) => ({ ...r })),
      expiresAtIso: session.expiresAt,
      // Epoch seconds, as DynamoDB's TTL reads it (rounded up: DynamoDB may delete late, never early).
      [SESSION_TTL_ATTRIBUTE]: Math.ceil(Date.parse(session.expiresAt) / 1000),
      version,
    };
  }

  async put(id: string, session: Session): Promise<void> {
    await this.call((abortSignal) =>
      this.client.send(new PutCommand({ TableName: this.options.tableName, Item: this.item(id, session, 1) }), { abortSignal }),
    );
  }

  async replace(id: string, previous: Session, next: Session): Promise<boolean> {
    const version = this.versions.get(previous);
    if (version === undefined) return false;
    try {
      await this.call((abortSignal) =>
        this.client.send(
          new PutCommand({
            TableName: this.options.tableName,
            Item: this.item(id, next, version + 1),
            // Version 0 is an item written before versions: it must still exist (an ended session stays ended).
            ...(version === 0
              ? {
                  ConditionExpression: 'attribute_exists(#id) AND attribute_not_exists(#version)',
                  ExpressionAttributeNames: { '#id': TABLE_PARTITION_KEY, '#version': 'version' },
                }
              : {
                  ConditionExpression: '#version = :version',
                  ExpressionAttributeNames: { '#version': 'version' },
                  ExpressionAttributeValues: { ':version': version },
                }),
          }),
          { abortSignal },
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof SessionStoreUnavailable && error.cause instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async delete(id: string): Promise<void> {
    await this.call((abortSignal) =>
      this.client.send(new DeleteCommand({ TableName: this.options.tableName, Key: { [TABLE_PARTITION_KEY]: id } }), { abortSignal }),
    );
  }

  async ping(): Promise<void> {
    await this.call((abortSignal) =>
      this.client.send(new GetCommand({ TableName: this.options.tableName, Key: { [TABLE_PARTITION_KEY]: PROBE_KEY } }), { abortSignal }),
    );
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
