/**
 * The web app every stage runs — the workload service in service/ — and how it reaches a host.
 *
 * The service is bundled by the local esbuild into one file at synth. EC2 hosts (stages 1–3 `ec2`)
 * fetch that file from an S3 asset at boot and run it under systemd as an unprivileged user that
 * restarts on failure; a Fargate task (stage 3 `ecs`) runs it from a container image asset built
 * by `cdk deploy` from a small Dockerfile (synth and tests need no Docker).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, Resource, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { buildSync } from 'esbuild';
import { Construct } from 'constructs';
import { hashOfSources, REPOSITORY } from './source-hash';

/** The port the service listens on on an EC2 host (as an unprivileged user with CAP_NET_BIND_SERVICE). */
export const WEB_APP_PORT = 80;
/** The port the service listens on in its container, where it runs as the image's `node` user. */
export const CONTAINER_PORT = 8080;
export const HEALTH_CHECK_PATH = '/healthz';

/** Where the service's settings live on a host: the systemd unit reads it. */
export const ENVIRONMENT_FILE = '/etc/zero-to-millions/environment';
const INSTALL_DIR = '/opt/zero-to-millions';
/** Where the RDS certificate authorities are, on a host and in the image (the service verifies the database). */
const RDS_CA_FILE = '/etc/zero-to-millions/rds-ca.pem';
const IMAGE_RDS_CA_FILE = '/etc/ssl/rds-global-bundle.pem';

const SERVICE_DIR = join(REPOSITORY, 'service');

/**
 * Node.js 22 from Amazon Linux 2023's namespaced package: its executable keeps its version in its
 * name, so the unit does not depend on which Node.js `alternatives` makes /usr/bin/node. The
 * container image uses the same major version.
 */
const NODE_PACKAGE = 'nodejs22';
const NODE = '/usr/bin/node-22';

const DOCKERFILE = `# The workload service, bundled into server.js by the stack at synth.
FROM public.ecr.aws/docker/library/node:22-alpine
RUN wget -q -O ${IMAGE_RDS_CA_FILE} https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem && chmod 644 ${IMAGE_RDS_CA_FILE}
WORKDIR /app
COPY server.js .
USER node
ENV PORT=${CONTAINER_PORT} NODE_ENV=production
EXPOSE ${CONTAINER_PORT}
CMD ["node", "server.js"]
`;

let bundled: { directory: string; version: string } | undefined;

/**
 * The service bundled into `server.js`, beside its Dockerfile, in a directory named by the hash of
 * the sources: built once per process, and never rebuilt for unchanged sources.
 */
export function serviceBundle(): { readonly directory: string; readonly version: string } {
  if (bundled) return bundled;
  const version = hashOfSources(['service/src', 'package-lock.json'], DOCKERFILE).slice(0, 12);
  const directory = join(tmpdir(), 'zero-to-millions-service', version);
  if (!existsSync(join(directory, 'server.js'))) {
    mkdirSync(directory, { recursive: true });
    buildSync({
      entryPoints: [join(SERVICE_DIR, 'src', 'server.ts')],
      bundle: true,
      platform: 'node',
      // The runtime of hosts (nodejs22) and of the image (node:22).
      target: 'node22',
      format: 'cjs',
      minify: true,
      legalComments: 'none',
      external: ['pg-native', 'cloudflare:sockets'],
      outfile: join(directory, 'server.js'),
      logLevel: 'warning',
    });
    writeFileSync(join(directory, 'Dockerfile'), DOCKERFILE);
  }
  return (bundled = { directory, version });
}

export interface WebAppProps {
  /** The stage that runs the app, as `GET /` reports it. */
  readonly stage: string;
  /**
   * Where the data lives: `DATA_STORE` and endpoint, port, secret ARN or table name. Never a
   * password: the service reads credentials from Secrets Manager itself.
   */
  readonly environment: Record<string, string>;
}

function heredoc(path: string, content: string): string {
  return `cat > ${path} <<'ZERO_TO_MILLIONS_EOF'\n${content.endsWith('\n') ? content : `${content}\n`}ZERO_TO_MILLIONS_EOF`;
}

const SYSTEMD_UNIT = (after: string) => `[Unit]
Description=zero-to-millions web app
After=network-online.target ${after}
Wants=network-online.target

[Service]
User=ztm
EnvironmentFile=${ENVIRONMENT_FILE}
ExecStart=${NODE} ${INSTALL_DIR}/server.js
Restart=on-failure
RestartSec=2
# SIGTERM drains requests in flight, within the load balancer's deregistration delay.
KillSignal=SIGTERM
TimeoutStopSec=30
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true

[Install]
WantedBy=multi-user.target
`;

export interface UserDataOptions {
  /**
   * Install PostgreSQL and Redis on the same host, listening on localhost only, and point the app
   * at them: stage 1, where everything runs on one server.
   *
   * @default false
   */
  readonly localDataServices?: boolean;
}

/** The service as an S3 asset an instance fetches at boot. One per stack. */
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

/** User data for Amazon Linux 2023 that installs the service and starts it under systemd. */
export function webAppUserData(scope: Construct, props: WebAppProps, options: UserDataOptions = {}): ec2.UserData {
  const bundle = WebAppBundle.of(scope);
  const region = Stack.of(scope).region;
  const usesRds = props.environment.DATA_STORE === 'rds';
  const environment: Record<string, string> = {
    STAGE: props.stage,
    VERSION: bundle.version,
    PORT: String(WEB_APP_PORT),
    HOST_METADATA: 'ec2',
    ...(options.localDataServices
      ? // Over the local socket, PostgreSQL knows the service by its system user (peer authentication): no password exists.
        { DATA_STORE: 'postgresql-local', DB_HOST: '/var/run/postgresql', DB_NAME: 'app', DB_USER: 'ztm', CACHE_URL: 'redis://127.0.0.1:6379' }
      : props.environment),
    ...(usesRds ? { DB_CA_FILE: RDS_CA_FILE } : {}),
  };

  const userData = ec2.UserData.forLinux();
  userData.addCommands(
    'set -euo pipefail',
    // cfn-signal, for the creation and update policies that wait until the app serves.
    `dnf install -y aws-cfn-bootstrap ${NODE_PACKAGE}`,
    'id ztm >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin ztm',
    `install -d -m 0755 /etc/zero-to-millions ${INSTALL_DIR}`,
    heredoc(ENVIRONMENT_FILE, Object.entries(environment).map(([k, v]) => `${k}=${v}`).join('\n')),
    `aws s3 cp s3://${bundle.asset.s3BucketName}/${bundle.asset.s3ObjectKey} ${INSTALL_DIR}/server.js --region ${region}`,
  );
  if (usesRds) userData.addCommands(`curl -sf --retry 5 -o ${RDS_CA_FILE} https://truststore.pki.rds.amazonaws.com/${region}/${region}-bundle.pem`);
  if (options.localDataServices) {
    // Both servers listen on localhost only by default; nothing here opens them to the network.
    userData.addCommands(
      'dnf install -y postgresql15-server redis6',
      '[ -f /var/lib/pgsql/data/PG_VERSION ] || postgresql-setup --initdb',
      'systemctl enable --now postgresql redis6',
      `runuser -u postgres -- psql -tc "SELECT 1 FROM pg_roles WHERE rolname = 'ztm'" | grep -q 1 || runuser -u postgres -- createuser ztm`,
      `runuser -u postgres -- psql -tc "SELECT 1 FROM pg_database WHERE datname = 'app'" | grep -q 1 || runuser -u postgres -- createdb -O ztm app`,
    );
  }
  userData.addCommands(
    heredoc('/etc/systemd/system/zero-to-millions.service', SYSTEMD_UNIT(options.localDataServices ? 'postgresql.service redis6.service' : '')),
    'systemctl daemon-reload',
    'systemctl enable zero-to-millions',
    // restart, not start: where this script runs at every boot, a new bundle replaces a running one.
    'systemctl restart zero-to-millions',
    // The script's exit status is what CloudFormation is signalled: it succeeds only once the app answers.
    `curl -sf -o /dev/null --retry 30 --retry-delay 2 --retry-connrefused http://127.0.0.1:${WEB_APP_PORT}${HEALTH_CHECK_PATH}`,
  );
  return userData;
}

/** The container image of the service, built by `cdk deploy` from the bundle and its Dockerfile. */
export function webAppContainerImage(): ecs.ContainerImage {
  return ecs.ContainerImage.fromAsset(serviceBundle().directory);
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

/** How long CloudFormation waits for a new web host to report that the app serves. */
export const SIGNAL_TIMEOUT = Duration.minutes(15);

/**
 * Makes `resource` (an instance or Auto Scaling group) wait for its hosts to serve: the user data
 * signals CloudFormation with its exit status, so a host whose app never answers fails the
 * deployment and rolls it back instead of leaving a broken stage live.
 */
export function signalWhenServing(userData: ec2.UserData, resource: Resource, role: iam.IRole): void {
  userData.addSignalOnExitCommand(resource);
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['cloudformation:SignalResource'], resources: [Stack.of(resource).stackId] }));
}
