/**
 * Items in PostgreSQL, over a few pipelined connections, the schema created idempotently,
 * credentials re-read for each new connection.
 *
 * Pipelined: a connection carries many queries at once, and the queries of one turn of the event
 * loop leave in one write (the socket is corked until the turn ends), so a busy service makes one
 * system call and wakes PostgreSQL once for many reads instead of once per read. That is where a
 * read's CPU went with a pool of ten connections each carrying one query at a time.
 *
 * A slow database must not take the service down. The server gives up first: a lock is waited for at
 * most LOCK_TIMEOUT_MS and a statement runs at most STATEMENT_TIMEOUT_MS. A connection whose oldest
 * query has waited QUERY_TIMEOUT_MS (queries queue behind a stuck one) is destroyed, failing what it
 * carried, and the server, checking every CONNECTION_CHECK_MS whether its client is still there,
 * cancels what it was running: no orphaned backends pile up until PostgreSQL refuses everyone. A
 * query is refused at once when its connection carries MAX_IN_FLIGHT already, or when the oldest it
 * carries has waited past STATEMENT_TIMEOUT_MS (the server is stuck: a new query would only wait).
 * Each of these is a 503.
 */
import { readFileSync } from 'node:fs';
import { Client, type QueryArrayConfig } from 'pg';
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
  /** Pipelined connections. */
  readonly connections?: number;
}

export const CONNECTIONS = 2;
/** Queries one connection carries at most; more are refused at once (a 503), bounding what waits in memory. */
export const MAX_IN_FLIGHT = 2048;
export const LOCK_TIMEOUT_MS = 1000;
export const STATEMENT_TIMEOUT_MS = 2000;
export const QUERY_TIMEOUT_MS = 3000;
export const CONNECT_TIMEOUT_MS = 2000;
/** How often the oldest query of each connection is checked against QUERY_TIMEOUT_MS. */
const SWEEP_MS = 250;
export const CONNECTION_CHECK_MS = 1000;
/** How the service's sessions are named in pg_stat_activity. */
export const APPLICATION_NAME = 'zero-to-millions';

/**
 * Errors that mean the database cannot answer now, not that the query was wrong: connection
 * failures, shutdowns, too many clients or queries, and every timeout (57014 statement timeout or
 * cancel, 55P03 lock timeout, a connection destroyed past its deadline, no connection in time).
 */
const UNAVAILABLE_CODES = new Set(['QUEUE_FULL', 'STALLED', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENOENT', '57014', '55P03', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);

export function isUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return UNAVAILABLE_CODES.has(e?.code ?? '') || /Connection terminated|timeout|Client has encountered a connection error|Client was closed|not queryable/.test(e?.message ?? '');
}

export const SCHEMA = `CREATE TABLE IF NOT EXISTS items (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  attributes jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL
)`;

/**
 * Every column arrives as PostgreSQL's text: `attributes` is already JSON and is sent on as it is,
 * and `created_at` is formatted by the query, so nothing is parsed only to be serialised again.
 */
const AS_TEXT = { getTypeParser: () => (value: string) => value };

const INSERT: Omit<QueryArrayConfig, 'values'> = { rowMode: 'array', name: 'ztm-insert-item', text: 'INSERT INTO items (id, name, attributes, created_at) VALUES ($1, $2, $3, $4)' };
const SELECT: Omit<QueryArrayConfig, 'values'> = {
  rowMode: 'array',
  name: 'ztm-select-item',
  text: `SELECT name, attributes, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM items WHERE id = $1`,
};

/** The socket under a pg client (pg has no public handle on it). */
type Stream = { cork?: () => void; uncork?: () => void; destroy?: () => void };
const streamOf = (client?: Client): Stream | undefined => (client as unknown as { connection?: { stream?: Stream } } | undefined)?.connection?.stream;

/** One pipelined connection and what it carries. */
interface Lane {
  client?: Client;
  connecting?: Promise<Client>;
  /** Send times of the queries it carries, oldest first: PostgreSQL answers them in order. */
  sent: number[];
  /** The socket, while it is corked for this turn of the event loop. */
  corked?: Stream;
}

export class PostgresStore implements ItemStore {
  readonly kind = 'postgresql';
  private readonly lanes: Lane[];
  private schemaReady?: Promise<unknown>;
  private schemaCreated = false;
  private readonly corked: Lane[] = [];
  private sweeper?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly options: PostgresOptions,
    private readonly log: (fields: Record<string, unknown>) => void,
  ) {
    this.lanes = Array.from({ length: options.connections ?? CONNECTIONS }, () => ({ sent: [] }));
  }

  /** A connected client for the lane, made when it has none; the user name may come from Secrets Manager. */
  private connect(lane: Lane): Promise<Client> {
    lane.connecting ??= (async () => {
      const client = new Client({
        host: this.options.host,
        port: this.options.port,
        database: this.options.database,
        user: await this.options.user(),
        // Asked for each new connection, so a rotated password is picked up without a restart.
        password: this.options.password as () => Promise<string>,
        pipeline: true,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        statement_timeout: STATEMENT_TIMEOUT_MS,
        lock_timeout: LOCK_TIMEOUT_MS,
        options: `-c client_connection_check_interval=${CONNECTION_CHECK_MS}`,
        application_name: APPLICATION_NAME,
        types: AS_TEXT,
        keepAlive: true,
        ssl: this.options.caFile ? { ca: readFileSync(this.options.caFile, 'utf8'), rejectUnauthorized: true } : undefined,
      } as ConstructorParameters<typeof Client>[0]);
      const lost = (error?: Error) => {
        if (lane.client !== client) return;
        lane.client = undefined;
        lane.sent = [];
        if (!this.closed) this.log({ level: 'warn', msg: 'database connection lost; the next query opens another', error: error?.message ?? 'closed' });
      };
      // A connection that dies must not crash the process; the lane opens another when next used.
      client.on('error', lost);
      client.on('end', () => lost());
      try {
        await client.connect();
      } catch (error) {
        void client.end().catch(() => undefined);
        throw error;
      }
      if (this.closed) {
        void client.end().catch(() => undefined);
        throw new Error('Client was closed');
      }
      lane.client = client;
      return client;
    })().finally(() => (lane.connecting = undefined));
    return lane.connecting;
  }

  /** The lane carrying the fewest queries, preferring connected ones. */
  private pick(): Lane {
    let best = this.lanes[0];
    for (const lane of this.lanes) {
      if ((lane.client !== undefined) !== (best.client !== undefined)) {
        if (lane.client) best = lane;
      } else if (lane.sent.length < best.sent.length) best = lane;
    }
    return best;
  }

  /**
   * Holds the lane's writes until this turn of the event loop ends, so its queries leave together.
   * (pg corks around each query; a cork of our own around the turn makes those nest.)
   */
  private cork(lane: Lane, client: Client) {
    if (lane.corked) return;
    const stream = streamOf(client);
    if (!stream?.cork || !stream.uncork) return;
    stream.cork();
    lane.corked = stream;
    if (this.corked.push(lane) === 1) {
      setImmediate(() => {
        for (const corked of this.corked.splice(0)) {
          corked.corked?.uncork?.();
          corked.corked = undefined;
        }
      });
    }
  }

  /** Destroys a connection whose oldest query is past the deadline: what it carries fails (503). */
  private readonly sweep = () => {
    const now = performance.now();
    let busy = false;
    for (const lane of this.lanes) {
      if (lane.sent.length === 0) continue;
      busy = true;
      if (now - lane.sent[0] < QUERY_TIMEOUT_MS || !lane.client) continue;
      this.log({ level: 'warn', msg: `a database query had no answer within ${QUERY_TIMEOUT_MS} ms: its connection is closed (the server cancels what it ran)` });
      this.reset(lane, lane.client);
    }
    if (!busy && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  };

  /** Closes a lane's connection: what it carries fails, and the next query opens another. */
  private reset(lane: Lane, client: Client) {
    if (lane.client !== client) return;
    lane.client = undefined;
    lane.sent = [];
    streamOf(client)?.destroy?.();
  }

  /** Creates the schema before the first statement, and again after a failure (the database may have been down). */
  private schema(): Promise<unknown> {
    this.schemaReady ??= this.query({ text: SCHEMA, rowMode: 'array' }, true).then(
      () => (this.schemaCreated = true),
      (error) => {
        this.schemaReady = undefined;
        throw error;
      },
    );
    return this.schemaReady;
  }

  /** One statement on the least busy connection; a failure that means "not now" is a StoreUnavailable. */
  private async query(config: QueryArrayConfig, creatingSchema = false): Promise<unknown[][]> {
    let lane: Lane | undefined;
    let client: Client | undefined;
    let sent: number[] | undefined;
    try {
      if (!this.schemaCreated && !creatingSchema) await this.schema();
      lane = this.pick();
      if (lane.sent.length >= MAX_IN_FLIGHT) throw Object.assign(new Error(`${MAX_IN_FLIGHT} queries are already waiting for the database`), { code: 'QUEUE_FULL' });
      if (lane.sent.length > 0 && performance.now() - lane.sent[0] > STATEMENT_TIMEOUT_MS) {
        throw Object.assign(new Error(`the database has not answered for ${STATEMENT_TIMEOUT_MS} ms`), { code: 'STALLED' });
      }
      client = lane.client ?? (await this.connect(lane));
      this.cork(lane, client);
      sent = lane.sent;
      sent.push(performance.now());
      this.sweeper ??= setInterval(this.sweep, SWEEP_MS).unref();
      return (await client.query<unknown[]>(config)).rows;
    } catch (error) {
      if (error instanceof StoreUnavailable) throw error;
      // A named statement whose Parse failed (it waits on locks too) is missing on this connection, and
      // pg believes it exists: the connection is replaced, and a new one parses it again.
      if ((error as { code?: string }).code === '26000' && lane && client) this.reset(lane, client);
      if (isUnavailable(error) || (error as { code?: string }).code === '26000') throw new StoreUnavailable('postgresql', error);
      throw error;
    } finally {
      // Answers come in order: the oldest send time is this query's (unless the lane was reset).
      if (sent && lane?.sent === sent) sent.shift();
    }
  }

  async put(item: Item): Promise<void> {
    await this.query({ ...INSERT, values: [item.id, item.name, JSON.stringify(item.attributes), item.createdAt] });
  }

  get(id: string): Promise<string | undefined> {
    return this.query({ ...SELECT, values: [id] }).then((rows) => {
      const row = rows[0] as [string, string, string] | undefined;
      // The fields in itemJson's order; the id is the one asked for (a UUID: nothing to escape).
      return row && `{"id":"${id}","name":${JSON.stringify(row[0])},"attributes":${row[1]},"createdAt":"${row[2]}"}`;
    });
  }

  async ping(): Promise<void> {
    await this.query({ text: 'SELECT 1', rowMode: 'array' });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.all(this.lanes.map((lane) => lane.client?.end().catch(() => undefined)));
  }
}
