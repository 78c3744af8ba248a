/** The command lines the sweep prints for what it could not remove, pasted into a POSIX shell as they are. */

/**
 * `value` as one shell word: as it is when it holds only characters no shell treats specially,
 * else in single quotes. An RDS-managed secret's ARN holds a `!` (`rds!cluster-…`), which an
 * interactive bash expands inside double quotes.
 */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./:=,@+%-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}
