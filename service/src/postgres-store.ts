/** Items in PostgreSQL: a connection pool, the schema created idempotently, credentials re-read when they change. */
import { readFileSync } from 'node:fs';
import { Pool } from 'pg';
import { StoreUnavailable } from './errors';
import type { Item, ItemStore } from './store';

export interface PostgresOptions {
  /** A host name, or a Unix socket directory such as /var/run/postgresql. */
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: () => Promise<string>;
  /** Called for each new connection, so rotated credentials are picked up. */
  readonly password: () => Promise<string | undefined>;
  /** Verify the server certificate against this CA bundle (RDS); none for a local socket. */
  readonly caFile?: string;
  readonly poolSize?: number;
}

/** Errors that mean the database cannot be reached now (not that the query was wrong). */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENOENT', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);

export function isUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return UNAVAILABLE_CODES.has(e?.code ?? '') || /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(e?.message ?? '');
}

export const SCHEMA = `CREATE TABLE IF NOT EXISTS items (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  attributes jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL
)`;

export class PostgresStore implements ItemStore {
  readonly kind = 'postgresql';
  private pool?: Pool;
  private schemaReady?: Promise<unknown>;

  constructor(
    private readonly options: PostgresOptions,
    private readonly log: (fields: Record<string, unknown>) => void,
  ) {}

  /** The pool, made on first use: the user name may come from Secrets Manager, which may be down at start. */
  private async connections(): Promise<Pool> {
    if (this.pool) return this.pool;
    const user = await this.options.user();
    this.pool ??= new Pool({
      host: this.options.host,
      port: this.options.port,
      database: this.options.database,
      user,
      // Asked for each new connection, so a rotated password is picked up without a restart.
      password: this.options.password as () => Promise<string>,
      max: this.options.poolSize ?? 10,
      connectionTimeoutMillis: 2000,
      idleTimeoutMillis: 10_000,
      query_timeout: 5000,
      ssl: this.options.caFile ? { ca: readFileSync(this.options.caFile, 'utf8'), rejectUnauthorized: true } : undefined,
    });
    // An idle connection that dies must not crash the process; the pool replaces it.
    this.pool.on('error', (error) => this.log({ level: 'warn', msg: 'idle database connection lost', error: error.message }));
    return this.pool;
  }

  private async query<R>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      const pool = await this.connections();
      // The schema is created before the first statement, and again after a failure (the database may have been down).
      this.schemaReady ??= pool.query(SCHEMA).catch((error) => {
        this.schemaReady = undefined;
        throw error;
      });
      await this.schemaReady;
      return (await pool.query(sql, params)).rows as R[];
    } catch (error) {
      if (isUnavailable(error) || error instanceof StoreUnavailable) throw error instanceof StoreUnavailable ? error : new StoreUnavailable('postgresql', error);
      throw error;
    }
  }

  async put(item: Item): Promise<void> {
    await this.query('INSERT INTO items (id, name, attributes, created_at) VALUES ($1, $2, $3, $4)', [item.id, item.name, JSON.stringify(item.attributes), item.createdAt]);
  }

  async get(id: string): Promise<Item | undefined> {
    const rows = await this.query<{ id: string; name: string; attributes: Item['attributes']; created_at: Date }>(
      'SELECT id, name, attributes, created_at FROM items WHERE id = $1',
      [id],
    );
    const row = rows[0];
    return row && { id: row.id, name: row.name, attributes: row.attributes, createdAt: row.created_at.toISOString() };
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool?.end();
  }
}
