/**
 * The web app every stage runs, and how it gets onto a host.
 *
 * Until the workload service lands, the app is nginx answering JSON: `GET /healthz` (what the load
 * balancer checks) and `GET /` (which stage, which host, which zone, which data store), so that
 * after `cdk deploy` a `curl` shows which instance or task answered. It listens on port 80 and
 * logs one JSON line per request.
 *
 * The same nginx configuration and status document are delivered two ways: by EC2 user data on
 * Amazon Linux 2023 (stages 1-3 `ec2`) and by the command of a container (stage 3 `ecs`).
 */
import { Duration, Resource, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';

export const WEB_APP_PORT = 80;
export const HEALTH_CHECK_PATH = '/healthz';

/** Where the app's settings live on a host; the workload service reads the same file. */
export const ENVIRONMENT_FILE = '/etc/zero-to-millions/environment';

export interface WebAppProps {
  /** The stage that runs the app, as shown in `GET /` (for example `1-single-server`). */
  readonly stage: string;
  /** What the data tier is, as shown in `GET /`. */
  readonly dataStore: string;
  /**
   * Where the data lives: endpoint, port, secret ARN or table name. Never a password: the app
   * reads credentials from Secrets Manager itself.
   */
  readonly environment: Record<string, string>;
}

const STATUS_DIR = '/usr/share/zero-to-millions';

const NGINX_CONF = `user nginx;
worker_processes auto;
error_log /var/log/nginx/error.log notice;
pid /run/nginx.pid;
events { worker_connections 4096; }
http {
  server_tokens off;
  default_type application/json;
  log_format json escape=json '{"time":"$time_iso8601","method":"$request_method","path":"$uri","status":$status,"seconds":$request_time,"forwardedFor":"$http_x_forwarded_for"}';
  access_log /var/log/nginx/access.log json;
  keepalive_timeout 65s;
  server {
    listen ${WEB_APP_PORT} default_server;
    location = ${HEALTH_CHECK_PATH} { access_log off; return 200 '{"status":"ok"}\\n'; }
    location = / { root ${STATUS_DIR}; try_files /status.json =404; }
    location / { return 404 '{"error":"not found"}\\n'; }
  }
}
`;

/** A shell line that writes the status document, given shell expressions for the host and zone. */
function writeStatusDocument(props: WebAppProps, host: string, zone: string): string {
  const json = `{"service":"zero-to-millions","stage":"${props.stage}","host":"%s","zone":"%s","dataStore":"${props.dataStore}"}\\n`;
  return `mkdir -p ${STATUS_DIR} && printf '${json}' "${host}" "${zone}" > ${STATUS_DIR}/status.json`;
}

function heredoc(path: string, content: string): string {
  return `cat > ${path} <<'ZERO_TO_MILLIONS_EOF'\n${content.endsWith('\n') ? content : `${content}\n`}ZERO_TO_MILLIONS_EOF`;
}

export interface UserDataOptions {
  /**
   * Install PostgreSQL and Redis on the same host, listening on localhost only: stage 1, where
   * everything runs on one server.
   *
   * @default false
   */
  readonly localDataServices?: boolean;
}

/** User data for Amazon Linux 2023 that installs and starts the app (and, in stage 1, its data). */
export function webAppUserData(props: WebAppProps, options: UserDataOptions = {}): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  const environment = Object.entries(props.environment).map(([k, v]) => `${k}=${v}`).join('\n');
  userData.addCommands(
    'set -euo pipefail',
    // cfn-signal, for the creation and update policies that wait until the app serves.
    'dnf install -y aws-cfn-bootstrap',
    'imds() { curl -sf -H "X-aws-ec2-metadata-token: $(curl -sf -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" http://169.254.169.254/latest/api/token)" "http://169.254.169.254/latest/meta-data/$1"; }',
    'install -d -m 0755 /etc/zero-to-millions',
    heredoc(ENVIRONMENT_FILE, environment),
  );
  if (options.localDataServices) {
    // Both servers listen on localhost only by default; nothing here opens them to the network.
    userData.addCommands(
      'dnf install -y postgresql15-server redis6',
      'postgresql-setup --initdb',
      'systemctl enable --now postgresql redis6',
    );
  }
  userData.addCommands(
    'dnf install -y nginx',
    heredoc('/etc/nginx/nginx.conf', NGINX_CONF),
    writeStatusDocument(props, '$(imds instance-id)', '$(imds placement/availability-zone)'),
    'systemctl enable --now nginx',
    // The script's exit status is what CloudFormation is signalled: it succeeds only once the app answers.
    `curl -sf -o /dev/null --retry 30 --retry-delay 2 --retry-connrefused http://127.0.0.1:${WEB_APP_PORT}${HEALTH_CHECK_PATH}`,
  );
  return userData;
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
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['cloudformation:SignalResource'], resources: [Stack.of(resource).stackId] }),
  );
}

/** The public image the container runs until the workload service has its own image. */
export const WEB_APP_IMAGE = 'public.ecr.aws/nginx/nginx:1.28-alpine';

/** The container command that configures nginx and writes the status document from task metadata. */
export function webAppContainerCommand(props: WebAppProps): string[] {
  const fromTaskMetadata = (field: string) => `$(wget -qO- "$ECS_CONTAINER_METADATA_URI_V4/task" | sed -n 's/.*"${field}":"\\([^"]*\\)".*/\\1/p')`;
  const script = [
    'set -eu',
    heredoc('/etc/nginx/nginx.conf', NGINX_CONF),
    writeStatusDocument(props, fromTaskMetadata('TaskARN'), fromTaskMetadata('AvailabilityZone')),
    "exec nginx -g 'daemon off;'",
  ].join('\n');
  return ['sh', '-c', script];
}
