import { RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { WEB_PATH } from '../edge-contract';
import { pageFiles } from '../web-page';
import { sdkCall } from './sdk-call';

export interface StaticPageProps {
  /** Where the server access logs of the bucket go. */
  readonly accessLogs: s3.IBucket;
}

/**
 * A small web page in a private S3 bucket (no public access, TLS only, encrypted), which only the
 * CDN reads, through origin access control. Its few files are written by CloudFormation itself, one
 * SDK call each (a custom resource), rather than by a deployment Lambda with the AWS CLI layer:
 * the page is a few kilobytes, and changing a file rewrites just that object.
 */
export class StaticPage extends Construct {
  readonly bucket: s3.Bucket;
  /** The object keys, under `web/`. */
  readonly keys: string[];

  constructor(scope: Construct, id: string, props: StaticPageProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'web-bucket/',
      // It holds only what this construct writes, and its objects are deleted with their resources.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.keys = [];
    for (const file of pageFiles()) {
      const key = `${WEB_PATH.slice(1)}${file.name}`;
      const put: cr.AwsSdkCall = {
        service: 'S3',
        action: 'putObject',
        parameters: {
          Bucket: this.bucket.bucketName,
          Key: key,
          Body: file.body,
          ContentType: file.contentType,
          // Short: a new version reaches browsers within a minute of a deployment, with no invalidation.
          CacheControl: 'public, max-age=60',
        },
        physicalResourceId: cr.PhysicalResourceId.of(key),
      };
      sdkCall(this, `File${file.name.replace(/[^A-Za-z0-9]/g, '')}`, {
        onCreate: put,
        onDelete: { service: 'S3', action: 'deleteObject', parameters: { Bucket: this.bucket.bucketName, Key: key } },
        resources: [this.bucket.arnForObjects(key)],
      });
      this.keys.push(key);
    }
  }
}
