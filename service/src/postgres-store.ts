/**
 * Items in PostgreSQL, over a few pipelined connections to the writer and, from stage 4, as many to
 * the readers; the schema created idempotently on the writer; credentials re-read for each new
 * connection, and at once when PostgreSQL refuses the password (28P01: RDS has rotated it).
 *
 * Reads go to the readers first. A reader that does not have the item (it replays the writer's log a
 * little behind: the item may have just been written) or that fails sends the read to the writer, so
 * a client always reads its own writes; after a few reader failures in a row a breaker sends reads
 * straight to the writer for a while. Each read says which answered (X-Data-Source). During a
 * failover the writer endpoint moves to the promoted reader: a connection still on the old writer,
 * now read-only, answers 25006, and the pool drops all its connections so the next ones follow the
 * endpoint. Until then writes are 503s, never 500s.
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
import { Breaker } from './breaker';
import type { Credentials } from './credentials';
import { StoreUnavailable } from './errors';
import { type DataSource, type Item, type ItemRead, type ItemStore, NOT_FOUND } from './store';

export interface PostgresOptions {
  /** The writer: a host name (the cluster endpoint), or a Unix socket directory such as /var/run/postgresql. */
  readonly host: string;
  /** The readers' endpoint (stage 4); without it every query goes to the writer. */
  readonly readerHost?: string;
  readonly port: number;
  readonly database: string;
  /** Asked for each new connection, so a rotated password is picked up; renewed when PostgreSQL refuses it. */
  readonly credentials: Credentials;
  /** Verify the server certificate against this CA bundle (RDS); none for a local socket. */
  readonly caFile?: string;
  /** Pipelined connections of each pool (DB_POOL_SIZE). */
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
const UNAVAILABLE_CODES = new Set([
  '25006', // read-only transaction: the writer endpoint still reaches the old writer, now a reader
  '28P01', // the password was refused even after the secret was read again
  '28000',
  'QUEUE_FULL',
  'STALLED',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENOENT',
  '57014',
  '55P03',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
]);

/** Reader failures in a row after which reads go straight to the writer, and for how long. */
export const READER_BREAKER_FAILURES = 3;
export const READER_BREAKER_OPEN_MS = 2000;

export function isUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    UNAVAILABLE_CODES.has(e?.code ?? '') ||
    /Connection terminated|timeout|Client has encountered a connection error|Client was closed|not queryable/.test(e?.message ?? '')
  );
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

const INSERT: Omit<QueryArrayConfig, 'values'> = {
  rowMode: 'array',
  name: 'ztm-insert-item',
  text: 'INSERT INTO items (id, name, attributes, created_at) VALUES ($1, $2, $3, $4)',
};
const SELECT: Omit<QueryArrayConfig, 'values'> = {
  rowMode: 'array',
  name: 'ztm-select-item',
  text: `SELECT name, attributes, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM items WHERE id = $1`,
};

/** A row of SELECT: name, attributes (JSON) and created_at (ISO 8601), as text. */
type Row = [string, string, string];

/** The socket under a pg client (pg has no public handle on it). */
type Stream = { cork?: () => void; uncork?: () => void; destroy?: () => void };
const streamOf = (client?: Client): Stream | undefined =>
  (client as unknown as { connection?: { stream?: Stream } } | undefined)?.connection?.stream;

/** One pipelined connection and what it carries. */
interface Lane {
  client?: Client;
  connecting?: Promise<Client>;
  /** Send times of the queries it carries, oldest first: PostgreSQL answers them in order. */
  sent: number[];
  /** The socket, while it is corked for this turn of the event loop. */
  corked?: Stream;
}

/** The connections to one endpoint: the writer's (the cluster endpoint), or the readers'. */
class Pool {
  private readonly lanes: Lane[];
  private readonly corked: Lane[] = [];
  private sweeper?: NodeJS.Timeout;
  closed = false;

  constructor(
    readonly role: 'writer' | 'reader',
    private readonly host: string,
    private readonly options: PostgresOptions,
    private readonly log: (fields: Record<string, unknown>) => void,
  ) {
    this.lanes = Array.from({ length: options.connections ?? CONNECTIONS }, () => ({ sent: [] }));
  }

  /**
   * A connected client for the lane, made when it has none. The credentials are asked for each new
   * connection; when PostgreSQL refuses the password (28P01), the secret is read again and, if it
   * holds another password, the connection is tried once more with it.
   */
  private connect(lane: Lane): Promise<Client> {
    lane.connecting ??= (async () => {
      const { credentials } = this.options;
      const user = await credentials.user();
      const password = await credentials.password();
      try {
        return await this.open(lane, user, password);
      } catch (error) {
        if ((error as { code?: string }).code !== '28P01' || !(await credentials.renew(password))) throw error;
        this.log({
          level: 'warn',
          msg: 'the database refused the password: read the secret again, and connect with the new one',
          pool: this.role,
        });
        return await this.open(lane, await credentials.user(), await credentials.password());
      }
    })().finally(() => (lane.connecting = undefined));
    return lane.connecting;
  }

  private async open(lane: Lane, user: string, password: string | undefined): Promise<Client> {
    const client = new Client({
      host: this.host,
      port: this.options.port,
      database: this.options.database,
      user,
      password,
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
      if (!this.closed)
        this.log({
          level: 'warn',
          msg: 'database connection lost; the next query opens another',
          pool: this.role,
          error: error?.message ?? 'closed',
        });
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
      this.log({
        level: 'warn',
        msg: `a database query had no answer within ${QUERY_TIMEOUT_MS} ms: its connection is closed (the server cancels what it ran)`,
        pool: this.role,
      });
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

  async run(config: QueryArrayConfig): Promise<unknown[][]> {
    const lane = this.pick();
    if (lane.sent.length >= MAX_IN_FLIGHT)
      throw Object.assign(new Error(`${MAX_IN_FLIGHT} queries are already waiting for the database`), { code: 'QUEUE_FULL' });
    if (lane.sent.length > 0 && performance.now() - lane.sent[0] > STATEMENT_TIMEOUT_MS) {
      throw Object.assign(new Error(`the database has not answered for ${STATEMENT_TIMEOUT_MS} ms`), { code: 'STALLED' });
    }
    const client = lane.client ?? (await this.connect(lane));
    this.cork(lane, client);
    const sent = lane.sent;
    sent.push(performance.now());
    this.sweeper ??= setInterval(this.sweep, SWEEP_MS).unref();
    try {
      return (await client.query<unknown[]>(config)).rows;
    } catch (error) {
      // A named statement whose Parse failed (it waits on locks too) is missing on this connection, and
      // pg believes it exists: the connection is replaced, and a new one parses it again.
      const code = (error as { code?: string }).code;
      if (code === '26000') {
        this.reset(lane, client);
        throw new StoreUnavailable('postgresql', error);
      }
      // The endpoint has moved to another instance (a failover): every connection of the pool may
      // be on the old one. They all go; the next queries connect to wherever the endpoint points now.
      if (code === '25006') {
        this.log({ level: 'warn', msg: 'the writer endpoint reached a read-only instance (a failover): reconnecting', pool: this.role });
        for (const each of this.lanes) if (each.client) this.reset(each, each.client);
        throw new StoreUnavailable('postgresql', error);
      }
      throw error;
    } finally {
      // Answers come in order: the oldest send time is this query's (unless the lane was reset).
      if (lane.sent === sent) sent.shift();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.all(this.lanes.map((lane) => lane.client?.end().catch(() => undefined)));
  }
}

export class PostgresStore implements ItemStore {
  readonly kind = 'postgresql';
  private readonly writer: Pool;
  private readonly reader?: Pool;
  private readonly readerBreaker: Breaker;
  private schemaReady?: Promise<unknown>;

  constructor(options: PostgresOptions, log: (fields: Record<string, unknown>) => void) {
    this.writer = new Pool('writer', options.host, options, log);
    if (options.readerHost) this.reader = new Pool('reader', options.readerHost, options, log);
    this.readerBreaker = new Breaker({
      failures: READER_BREAKER_FAILURES,
      openMs: READER_BREAKER_OPEN_MS,
      onOpen: (error) =>
        log({
          level: 'warn',
          msg: `the readers fail: reads go to the writer, trying the readers again every ${READER_BREAKER_OPEN_MS} ms`,
          error: (error as Error)?.message,
        }),
      onClose: (outageMs, skipped) => log({ level: 'info', msg: 'the readers answer again', outageMs, skipped }),
    });
  }

  get hasReaders(): boolean {
    return this.reader !== undefined;
  }

  /** A query on the writer, the schema created first. */
  private async query(config: QueryArrayConfig): Promise<unknown[][]> {
    try {
      // The schema is created before the first statement, and again after a failure (the database may have been down).
      this.schemaReady ??= this.writer.run({ text: SCHEMA, rowMode: 'array' }).catch((error) => {
        this.schemaReady = undefined;
        throw error;
      });
      await this.schemaReady;
      return await this.writer.run(config);
    } catch (error) {
      if (error instanceof StoreUnavailable) throw error;
      if (isUnavailable(error)) throw new StoreUnavailable('postgresql', error);
      throw error;
    }
  }

  async put(item: Item): Promise<void> {
    await this.query({ ...INSERT, values: [item.id, item.name, JSON.stringify(item.attributes), item.createdAt] });
  }

  /** The row from a reader, or undefined when it has none or fails (the writer is asked then). */
  private async fromReader(reader: Pool, id: string): Promise<Row | undefined> {
    if (!this.readerBreaker.allow()) return undefined;
    try {
      const row = (await reader.run({ ...SELECT, values: [id] }))[0] as Row | undefined;
      this.readerBreaker.success();
      return row;
    } catch (error) {
      // No table yet (a new database: the writer creates it) is a miss, not a failing reader.
      if ((error as { code?: string }).code === '42P01') this.readerBreaker.success();
      else this.readerBreaker.failure(error);
      return undefined;
    }
  }

  /** From a reader when one has the item; otherwise (no readers, a miss, a failure, the breaker open) from the writer. */
  async get(id: string): Promise<ItemRead> {
    let source: DataSource = 'reader';
    let row = this.reader && (await this.fromReader(this.reader, id));
    if (row === undefined) {
      source = 'writer';
      row = (await this.query({ ...SELECT, values: [id] }))[0] as Row | undefined;
      if (row === undefined) return NOT_FOUND.writer;
    }
    // The fields in itemJson's order; the id is the one asked for (a UUID: nothing to escape).
    return { body: `{"id":"${id}","name":${JSON.stringify(row[0])},"attributes":${row[1]},"createdAt":"${row[2]}"}`, source };
  }

  /** The writer answers, and takes writes: an instance in recovery (a reader) behind the writer endpoint is not ready. */
  async ping(): Promise<void> {
    const [[inRecovery]] = (await this.query({ text: 'SELECT pg_is_in_recovery()::text', rowMode: 'array' })) as [[string]];
    if (inRecovery === 'true')
      throw new StoreUnavailable(
        'postgresql',
        Object.assign(new Error('the writer endpoint reaches a read-only instance'), { code: '25006' }),
      );
  }

  /** The readers answer (stage 4); for /readyz, beside the writer. */
  async pingReaders(): Promise<void> {
    if (!this.reader) return;
    try {
      await this.reader.run({ text: 'SELECT 1', rowMode: 'array' });
    } catch (error) {
      throw isUnavailable(error) && !(error instanceof StoreUnavailable) ? new StoreUnavailable('postgresql', error) : error;
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.writer.close(), this.reader?.close()]);
  }
}
