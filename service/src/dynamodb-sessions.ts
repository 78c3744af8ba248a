/**
 * Sessions in a DynamoDB table of their own (stage 6 with `dynamodb`): keyed by the session id,
 * expired by DynamoDB's TTL on `expiresAt` (epoch seconds). DynamoDB deletes expired items late (within
 * days), so a read checks the expiry itself. Only GetItem, PutItem and DeleteItem: what the stack grants.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SESSION_TTL_ATTRIBUTE, TABLE_PARTITION_KEY } from '../../lib/data-contract';
import { SessionStoreUnavailable } from './errors';
import { asSession, type Session, type SessionStore } from './sessions';

export interface DynamoDbSessionsOptions {
  readonly tableName: string;
  readonly region: string;
  /** A local endpoint (dynalite) instead of AWS, for development and tests. */
  readonly endpoint?: string;
}

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

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new SessionStoreUnavailable('dynamodb', error);
    }
  }

  async get(id: string): Promise<Session | undefined> {
    const { Item } = await this.call(() =>
      this.client.send(new GetCommand({ TableName: this.options.tableName, Key: { [TABLE_PARTITION_KEY]: id }, ConsistentRead: true })),
    );
    const expiresAt = Item?.[SESSION_TTL_ATTRIBUTE];
    if (typeof expiresAt !== 'number' || expiresAt * 1000 <= this.now()) return undefined;
    return asSession({ ...Item, expiresAt: new Date(expiresAt * 1000).toISOString() });
  }

  async put(id: string, session: Session): Promise<void> {
    const expiresAtSeconds = Math.ceil(Date.parse(session.expiresAt) / 1000);
    await this.call(() =>
      this.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            [TABLE_PARTITION_KEY]: id,
            createdAt: session.createdAt,
            lastSeenAt: session.lastSeenAt,
            recent: session.recent.map((r) => ({ ...r })),
            // Epoch seconds, as DynamoDB's TTL reads it; the ISO form is the answer's.
            [SESSION_TTL_ATTRIBUTE]: expiresAtSeconds,
          },
        }),
      ),
    );
  }

  async delete(id: string): Promise<void> {
    await this.call(() => this.client.send(new DeleteCommand({ TableName: this.options.tableName, Key: { [TABLE_PARTITION_KEY]: id } })));
  }

  async ping(): Promise<void> {
    await this.call(() =>
      this.client.send(new GetCommand({ TableName: this.options.tableName, Key: { [TABLE_PARTITION_KEY]: PROBE_KEY } })),
    );
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
