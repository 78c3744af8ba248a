/**
 * How the workload service reaches an EC2 host (stages 1, 2 and 3 `ec2`): user data that makes
 * sure the host can signal CloudFormation, then runs the install script (service/host/install.sh),
 * which fetches the bundle from its S3 asset and runs it under systemd
 * (service/host/zero-to-millions.service) as an unprivileged user.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { REPOSITORY } from '../source-hash';
import { HostCache } from './cache-tier';
import { SIGNALLING_PREAMBLE } from './host-signal';
import { WEB_APP_PORT, WebAppBundle, type WebAppProps } from './web-app';

/** Where the service's settings live on a host: the systemd unit reads it. */
export const ENVIRONMENT_FILE = '/etc/zero-to-millions/environment';
/** Where a host keeps the RDS certificate authorities (the service verifies the database). */
export const HOST_RDS_CA_FILE = '/etc/zero-to-millions/rds-ca.pem';

const HOST_FILES = join(REPOSITORY, 'service', 'host');

export interface HostInstallOptions {
  /**
   * Install PostgreSQL and Valkey on the same host, listening on localhost only, and point the app
   * at them: stage 1, where everything runs on one server.
   *
   * @default false
   */
  readonly localDataServices?: boolean;
}

function heredoc(path: string, content: string): string {
  return `cat > ${path} <<'ZERO_TO_MILLIONS_EOF'\n${content.endsWith('\n') ? content : `${content}\n`}ZERO_TO_MILLIONS_EOF`;
}

/** The web host's user data: the signalling preamble, then the install script with its settings. */
export function hostInstallScript(scope: Construct, props: WebAppProps, options: HostInstallOptions = {}): ec2.UserData {
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
        {
          DATA_STORE: 'postgresql-local',
          DB_HOST: '/var/run/postgresql',
          DB_NAME: 'app',
          DB_USER: 'ztm',
          ...new HostCache().environment,
        }
      : props.environment),
    ...(usesRds ? { DB_CA_FILE: HOST_RDS_CA_FILE } : {}),
  };

  const userData = ec2.UserData.forLinux();
  userData.addCommands(
    ...SIGNALLING_PREAMBLE,
    `ZTM_BUNDLE=s3://${bundle.asset.s3BucketName}/${bundle.asset.s3ObjectKey}`,
    `ZTM_REGION=${region}`,
    `ZTM_PORT=${WEB_APP_PORT}`,
    `ZTM_RDS_CA=${usesRds}`,
    `ZTM_LOCAL_DATA=${options.localDataServices === true}`,
    'install -d -m 0755 /etc/zero-to-millions',
    heredoc(
      ENVIRONMENT_FILE,
      Object.entries(environment)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    ),
    heredoc('/etc/zero-to-millions/zero-to-millions.service', readFileSync(join(HOST_FILES, 'zero-to-millions.service'), 'utf8')),
    readFileSync(join(HOST_FILES, 'install.sh'), 'utf8').trimEnd(),
  );
  return userData;
}

/**
 * User data whose script runs at every boot, not only the first: one part of the type cloud-init
 * runs per boot (`text/x-shellscript-per-boot`, cloud-init 22.1+; AL2023 ships 22.2), under a fixed
 * file name, so it is rewritten from the current user data at each boot and never renamed. An
 * instance that holds data is not replaced when its user data changes: CloudFormation stops and
 * starts it, and the (idempotent) script then installs what changed, such as a new bundle.
 * Nothing else in cloud-init's configuration changes.
 */
export function atEveryBoot(script: ec2.UserData): ec2.UserData {
  const userData = new ec2.MultipartUserData();
  // The part's file name travels as a header of its own: MultipartBody takes only a content type.
  userData.addUserDataPart(script, `${PER_BOOT_CONTENT_TYPE}\nContent-Disposition: attachment; filename="${PER_BOOT_SCRIPT}"`, true);
  return userData;
}
export const PER_BOOT_CONTENT_TYPE = 'text/x-shellscript-per-boot; charset="utf-8"';
export const PER_BOOT_SCRIPT = 'zero-to-millions.sh';
