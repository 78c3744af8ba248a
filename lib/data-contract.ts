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
