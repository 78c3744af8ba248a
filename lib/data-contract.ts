/**
 * What the stacks, the service and the tools agree on about the data, in one place that loads no
 * CDK: the database's name, port, master user and PostgreSQL version, and the table's key.
 */

/** The database the service uses, on every stage with PostgreSQL. */
export const DATABASE_NAME = 'app';
export const DATABASE_PORT = 5432;
/** The master user of every stage's database, so a later stage restores an earlier one's snapshot under the same name. */
export const MASTER_USER = 'app_admin';
/** PostgreSQL 17.9 everywhere: RDS in stages 2 and 3, Aurora from stage 4, so snapshots restore across them. */
export const POSTGRES_VERSION = { major: 17, minor: 9 } as const;

/** The partition key of the table: the item id, a string. */
export const TABLE_PARTITION_KEY = 'id';

/** Valkey's port: the primary endpoint of the managed cache, and the host cache of stage 1. */
export const CACHE_PORT = 6379;
/** The managed cache's read-from-replica port on the same name (eventually consistent). */
export const CACHE_READER_PORT = 6380;
/** The managed cache's major Valkey version. */
export const CACHE_VALKEY_MAJOR = '8';
/** The user the service authenticates to the managed cache as. */
export const CACHE_USER = 'app';
/** The key prefixes the service uses: items, and (from stage 6) sessions. */
export const CACHE_KEY_PREFIXES = ['item:', 'session:'] as const;
/**
 * What the service's cache user may do: its own keys only, reads, writes and connection commands,
 * and EVAL for a session's compare-and-set (a script's commands are held to the same keys and
 * commands); nothing dangerous (no FLUSHALL, no CONFIG, no DEBUG, no KEYS). The integration suite
 * gives a real Valkey/Redis server's user exactly this, so the service is proven to need no more.
 */
export const CACHE_ACCESS_STRING = `on ${CACHE_KEY_PREFIXES.map((p) => `~${p}*`).join(' ')} -@all +@read +@write +@connection +eval -@dangerous`;

/** The attribute DynamoDB expires session items by (epoch seconds); the session table's key is `id`. */
export const SESSION_TTL_ATTRIBUTE = 'expiresAt';
/** Where the service keeps sessions: `memory` (each process its own: stages 1–5), or a shared store. */
export const SESSION_STORES = ['memory', 'cache', 'dynamodb'] as const;
