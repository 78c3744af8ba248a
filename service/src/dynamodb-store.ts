/**
 * Items in DynamoDB: the table the stack created, keyed by id. Every call has its own deadline: the
 * SDK's request timeout does not end a call to a server that accepted the connection and never answers.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { StoreUnavailable } from './errors';
import { type Item, type ItemRead, type ItemStore, itemJson, NOT_FOUND } from './store';

export interface DynamoDbOptions {
  readonly tableName: string;
  readonly region: string;
  /** A local endpoint (dynalite) instead of AWS, for development and tests. */
  readonly endpoint?: string;
  /** How long one call may take, retries included; STORE_CALL_DEADLINE_MS unless a test wants less. */
  readonly deadlineMs?: number;
}

/** How long one call to the item table may take before it is a 503. */
export const STORE_CALL_DEADLINE_MS = 3000;

/** Errors that mean DynamoDB cannot be reached or cannot take the request now. */
export function isUnavailable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(e?.code ?? '')) return true;
  if (
    [
      'TimeoutError',
      'RequestTimeout',
      'AbortError',
      'ProvisionedThroughputExceededException',
      'ThrottlingException',
      'InternalServerError',
      'ServiceUnavailable',
      'RequestLimitExceeded',
    ].includes(e?.name ?? '')
  )
    return true;
  return (e?.$metadata?.httpStatusCode ?? 0) >= 500 || (e?.$metadata !== undefined && e.$metadata.httpStatusCode === undefined);
}

export class DynamoDbStore implements ItemStore {
  readonly kind = 'dynamodb';
  private readonly client: DynamoDBDocumentClient;

  constructor(private readonly options: DynamoDbOptions) {
    const base = new DynamoDBClient({
      region: options.region,
      endpoint: options.endpoint,
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 1000, requestTimeout: 3000 },
      // dynalite accepts any credentials; on AWS the role's are used.
      ...(options.endpoint ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    });
    // Attributes are plain objects from JSON.parse, whatever their keys: one named `constructor` must not make the
    // marshaller take them for a class instance.
    this.client = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true } });
  }

  private async call<T>(fn: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await fn(AbortSignal.timeout(this.options.deadlineMs ?? STORE_CALL_DEADLINE_MS));
    } catch (error) {
      if (isUnavailable(error)) throw new StoreUnavailable('dynamodb', error);
      throw error;
    }
  }

  async put(item: Item): Promise<void> {
    await this.call((abortSignal) =>
      this.client.send(
        new PutCommand({ TableName: this.options.tableName, Item: { ...item }, ConditionExpression: 'attribute_not_exists(id)' }),
        { abortSignal },
      ),
    );
  }

  async get(id: string): Promise<ItemRead> {
    const result = await this.call((abortSignal) =>
      this.client.send(new GetCommand({ TableName: this.options.tableName, Key: { id }, ConsistentRead: true }), { abortSignal }),
    );
    const item = result.Item;
    if (!item) return NOT_FOUND.table;
    return {
      body: itemJson({ id: item.id, name: item.name, attributes: item.attributes ?? {}, createdAt: item.createdAt }),
      source: 'table',
    };
  }

  async ping(): Promise<void> {
    await this.call((abortSignal) => this.client.send(new DescribeTableCommand({ TableName: this.options.tableName }), { abortSignal }));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
