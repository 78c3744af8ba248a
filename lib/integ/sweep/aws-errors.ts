/** What an AWS SDK error says, for the sweep: its name, whether it means "not there", and a line for a person. */

/** The error's name as the SDK gives it: the service's error code (`AccessDenied`, `NoSuchBucket`, `ResourceNotFoundException`). */
export const errorName = (error: unknown): string => (error as { name?: string } | undefined)?.name ?? 'Error';

/** The names each service gives "there is no such thing": the thing is already gone, which is what the sweep wants. */
const NOT_FOUND = new Set([
  'NoSuchBucket',
  'ResourceNotFoundException',
  'DBClusterNotFoundFault',
  'DBInstanceNotFoundFault',
  'DBClusterSnapshotNotFoundFault',
  'DBSnapshotNotFoundFault',
]);

export const isNotFound = (error: unknown): boolean => NOT_FOUND.has(errorName(error));

/** `AccessDenied: User: arn:aws:iam::… is not authorized to perform: s3:DeleteBucket …`, on one line. */
export function reason(error: unknown): string {
  const message = ((error as { message?: string } | undefined)?.message ?? String(error)).replace(/\s+/g, ' ').trim();
  const name = errorName(error);
  return message.startsWith(name) ? message : `${name}: ${message}`;
}
