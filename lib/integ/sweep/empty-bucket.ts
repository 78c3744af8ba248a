/**
 * Emptying and deleting an S3 bucket that a stack's deletion left (a `Retain` bucket, or one
 * CloudFormation could not delete because it held objects): every object version and delete
 * marker, a page at a time, then the bucket. A bucket that receives logs (the load balancer's, the
 * CDN's) can be written to again while it is being emptied, so a delete that finds it not empty
 * empties it again, a few times.
 */
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { shellQuote } from './aws-cli';
import { errorName } from './aws-errors';

/** How often a bucket is emptied again when new objects arrived before its deletion. */
const ROUNDS = 3;

/** What emptying a bucket took away. `versioned`: some version had an id other than `null`, or a delete marker was seen. */
export interface Emptied {
  versions: number;
  deleteMarkers: number;
  versioned: boolean;
}

/** Deletes every version and delete marker in `bucket`, a page (at most 1,000 keys, one DeleteObjects call) at a time. */
export async function emptyBucket(s3: Pick<S3Client, 'send'>, bucket: string, emptied: Emptied): Promise<void> {
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker, VersionIdMarker }));
    const versions = page.Versions ?? [];
    const markers = page.DeleteMarkers ?? [];
    // Known from the listing, before the deletion that may fail: the command printed then depends on it.
    emptied.versioned ||= markers.length > 0 || versions.some((v) => v.VersionId !== undefined && v.VersionId !== 'null');
    const objects = [...versions, ...markers].map(({ Key, VersionId }) => ({ Key, VersionId }));
    if (objects.length > 0) {
      const result = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
      // DeleteObjects answers 200 even when some keys were not deleted: each refusal is in Errors.
      const refused = result.Errors ?? [];
      if (refused.length > 0) {
        const first = refused[0];
        throw Object.assign(
          new Error(`${first.Message} (${refused.length} of ${objects.length} versions not deleted, first: ${first.Key})`),
          {
            name: first.Code ?? 'DeleteObjectsError',
          },
        );
      }
    }
    emptied.versions += versions.length;
    emptied.deleteMarkers += markers.length;
    if (!page.IsTruncated) return;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
}

/**
 * Empties and deletes `bucket`. Resolves to what it took away, or `undefined` when the bucket was
 * already gone; rejects with the service's error when it cannot (AccessDenied, …).
 */
export async function removeBucket(s3: Pick<S3Client, 'send'>, bucket: string, emptied: Emptied): Promise<Emptied | undefined> {
  for (let round = 1; ; round++) {
    try {
      await emptyBucket(s3, bucket, emptied);
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      return emptied;
    } catch (error) {
      if (errorName(error) === 'NoSuchBucket') return round === 1 && emptied.versions + emptied.deleteMarkers === 0 ? undefined : emptied;
      if (errorName(error) !== 'BucketNotEmpty' || round === ROUNDS) throw error;
    }
  }
}

/**
 * The command that removes the bucket by hand. `aws s3 rb --force` deletes current objects only,
 * which is all an unversioned bucket holds (no bucket here is versioned); a versioned one needs its
 * versions listed and deleted, 1,000 a run.
 */
export function bucketCommand(bucket: string, region: string, versioned: boolean): string {
  const b = shellQuote(bucket);
  if (!versioned) return `aws s3 rb s3://${b} --force --region ${region}`;
  const list = `aws s3api list-object-versions --bucket ${b} --region ${region} --max-items 1000 --output json --query '{Objects: [Versions, DeleteMarkers][][].{Key: Key, VersionId: VersionId}}'`;
  return `aws s3api delete-objects --bucket ${b} --region ${region} --delete "$(${list})" && aws s3api delete-bucket --bucket ${b} --region ${region}  # 1,000 versions a run: repeat until the bucket is gone`;
}
