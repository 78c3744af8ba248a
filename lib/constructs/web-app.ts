/**
 * The web app every stage runs — the workload service in service/ — as the stacks deliver it: an
 * S3 asset of its bundle for EC2 hosts (./host-install.ts installs it), or a container image built
 * by `cdk deploy` from the bundle and service/Dockerfile for Fargate tasks.
 */
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { serviceBundle } from '../bundles';

/** The port the service listens on on an EC2 host (as an unprivileged user with CAP_NET_BIND_SERVICE). */
export const WEB_APP_PORT = 80;
/** The port the service listens on in its container, where it runs as the image's `node` user. */
export const CONTAINER_PORT = 8080;
export const HEALTH_CHECK_PATH = '/healthz';
/** Where the service says whether it reaches its data and cache. */
export const READINESS_PATH = '/readyz';
/** Where the image keeps the RDS certificate authorities (service/Dockerfile puts them there). */
const IMAGE_RDS_CA_FILE = '/etc/ssl/rds-global-bundle.pem';

export interface WebAppProps {
  /** The stage that runs the app, as `GET /` reports it. */
  readonly stage: string;
  /**
   * Where the data lives: `DATA_STORE` and endpoint, port, secret ARN or table name. Never a
   * password: the service reads credentials from Secrets Manager itself.
   */
  readonly environment: Record<string, string>;
}

/** The service's bundle as an S3 asset that hosts fetch at boot. One per stack. */
export class WebAppBundle extends Construct {
  readonly asset: s3assets.Asset;
  readonly version: string;

  static of(scope: Construct): WebAppBundle {
    const stack = Stack.of(scope);
    return (stack.node.tryFindChild('WebAppBundle') as WebAppBundle) ?? new WebAppBundle(stack, 'WebAppBundle');
  }

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const { directory, version } = serviceBundle();
    this.version = version;
    this.asset = new s3assets.Asset(this, 'Asset', { path: join(directory, 'server.js') });
  }

  /** Lets a host read this one object, and nothing else in the assets bucket. */
  grantRead(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.asset.bucket.arnForObjects(this.asset.s3ObjectKey)] }),
    );
  }
}

/** The CPU architectures a Fargate task runs on, and the image platform each needs. */
export const IMAGE_PLATFORMS = {
  X86_64: { cpu: ecs.CpuArchitecture.X86_64, image: ecrAssets.Platform.LINUX_AMD64 },
  ARM64: { cpu: ecs.CpuArchitecture.ARM64, image: ecrAssets.Platform.LINUX_ARM64 },
} as const;
export type TaskArchitecture = keyof typeof IMAGE_PLATFORMS;

/**
 * The container image of the service, built by `cdk deploy` for the task's architecture: pinned,
 * so a deploy from an arm64 machine still builds the x86_64 image an x86_64 task can run.
 */
export function webAppContainerImage(architecture: TaskArchitecture): ecs.ContainerImage {
  return ecs.ContainerImage.fromAsset(serviceBundle().directory, { platform: IMAGE_PLATFORMS[architecture].image });
}

/** The settings a container gets: the same as a host's, for its own port and CA bundle. */
export function webAppContainerEnvironment(props: WebAppProps): Record<string, string> {
  return {
    STAGE: props.stage,
    VERSION: serviceBundle().version,
    PORT: String(CONTAINER_PORT),
    ...props.environment,
    ...(props.environment.DATA_STORE === 'rds' ? { DB_CA_FILE: IMAGE_RDS_CA_FILE } : {}),
  };
}
