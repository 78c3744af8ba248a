/**
 * How many connections a database accepts, and how many the web tier may open: a web tier that
 * scales out must not open more connections than the database takes, or new servers fail to
 * connect exactly when load is highest.
 *
 * PostgreSQL on RDS and Aurora sets max_connections from the instance's memory:
 * LEAST(DBInstanceClassMemory / 9531392, 5000). Aurora Serverless v2 counts the memory of its
 * maximum capacity (about 2 GiB per ACU). Part of that memory is the system's, so the check keeps
 * 20 % of the connections in reserve for it, for administrators and for the secret's rotation.
 */

/** Memory of each RDS instance size, in GiB, for the families the configuration offers (`t`: burstable, `m`: general purpose, `r`: memory optimised). */
const MEMORY_GIB: Record<string, Record<string, number>> = {
  t: { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, '2xlarge': 32 },
  m: {
    large: 8,
    xlarge: 16,
    '2xlarge': 32,
    '4xlarge': 64,
    '8xlarge': 128,
    '12xlarge': 192,
    '16xlarge': 256,
    '24xlarge': 384,
    '32xlarge': 512,
    '48xlarge': 768,
  },
  r: {
    large: 16,
    xlarge: 32,
    '2xlarge': 64,
    '4xlarge': 128,
    '8xlarge': 256,
    '12xlarge': 384,
    '16xlarge': 512,
    '24xlarge': 768,
    '32xlarge': 1024,
    '48xlarge': 1536,
  },
};

export const GIB_PER_ACU = 2;
/** The share of max_connections the web tier may use. */
export const CONNECTION_HEADROOM = 0.8;

/** The memory of an RDS instance class without its `db.` prefix (`t4g.micro`), or undefined for a size not in the table. */
export function instanceMemoryGiB(instanceClass: string): number | undefined {
  const [family, size] = instanceClass.split('.');
  return MEMORY_GIB[family?.[0] ?? '']?.[size];
}

/** PostgreSQL's max_connections for that much memory. */
export const maxConnections = (memoryGiB: number) => Math.min(Math.floor((memoryGiB * 2 ** 30) / 9531392), 5000);

/** What the web tier may open, with the reserve kept. */
export const usableConnections = (memoryGiB: number) => Math.floor(CONNECTION_HEADROOM * maxConnections(memoryGiB));
