/**
 * How the service reaches an EC2 host (lib/constructs/host-install.ts, service/host/): what signals
 * comes first, the bundle from its S3 asset, systemd as an unprivileged user, and a script that
 * fails the deployment at once when anything in it fails.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_MAJOR } from '../../lib/bundles';
import { fixtureTemplate, templateOf } from '../support/synth-cache';
import { only, statementsOf, userDataText } from '../support/template';

const HOST = join(__dirname, '..', '..', 'service', 'host');
const scriptOf = (template: ReturnType<typeof templateOf>) => {
  const instances = Object.values(template.Resources).filter((r) => r.Type === 'AWS::EC2::Instance');
  const launch = Object.entries(template.Resources).find(
    ([id, r]) => r.Type === 'AWS::EC2::LaunchTemplate' && id.startsWith('AutoScaling'),
  );
  const userData = instances[0]?.Properties.UserData ?? launch?.[1].Properties.LaunchTemplateData.UserData;
  // Stage 1's script is a base64 part inside MIME: shown as the host decodes it.
  const text = userDataText(userData);
  const part = /Content-Transfer-Encoding: base64\n\n([\s\S]*?)\n--/.exec(text);
  return part ? part[1] : text;
};

const script = scriptOf(templateOf(2, { dataStore: 'rds' }));

test('the first thing it does is make sure cfn-signal exists, with retries, so a later failure is signalled at once', () => {
  const lines = script.split('\n');
  const ensure = lines.indexOf('[ -x /opt/aws/bin/cfn-signal ] || retry dnf install -y aws-cfn-bootstrap');
  expect(ensure).toBeGreaterThan(0);
  expect(lines.slice(0, ensure).filter((l) => /dnf|aws s3|curl/.test(l))).toEqual([]);
  expect(lines[0]).toBe('#!/bin/bash');
  expect(script).toContain('trap exitTrap EXIT');
  expect(script).toContain('set -euo pipefail');
});

test(`installs Node.js ${NODE_MAJOR} from Amazon Linux 2023 and runs the service with that exact runtime`, () => {
  expect(script).toContain(`retry dnf install -y nodejs${NODE_MAJOR}`);
  expect(readFileSync(join(HOST, 'zero-to-millions.service'), 'utf8')).toContain(
    `ExecStart=/usr/bin/node-${NODE_MAJOR} /opt/zero-to-millions/server.js`,
  );
});

test('fetches the bundle from its S3 asset and runs it under systemd as an unprivileged user that restarts on failure', () => {
  expect(script).toMatch(/^ZTM_BUNDLE=s3:\/\/cdk-hnb659fds-assets-123456789012-us-east-1\/[0-9a-f]{64}\.js$/m);
  expect(script).toContain('retry aws s3 cp "$ZTM_BUNDLE" /opt/zero-to-millions/server.js');
  expect(script).toContain('useradd --system --no-create-home --shell /sbin/nologin ztm');
  for (const line of [
    'User=ztm',
    'Restart=on-failure',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30',
    'AmbientCapabilities=CAP_NET_BIND_SERVICE',
    'NoNewPrivileges=true',
    'ProtectSystem=strict',
  ]) {
    expect(script).toContain(`\n${line}\n`);
  }
  expect(script).toMatch(/curl -sf -o \/dev\/null --retry 30 .* "http:\/\/127\.0\.0\.1:\$ZTM_PORT\/healthz"$/m);
});

test('verifies the database certificate: the RDS CA bundle of the region is fetched and named to the service', () => {
  expect(script).toContain('ZTM_RDS_CA=true');
  expect(script).toContain('DB_CA_FILE=/etc/zero-to-millions/rds-ca.pem');
  expect(script).toContain('https://truststore.pki.rds.amazonaws.com/$ZTM_REGION/$ZTM_REGION-bundle.pem');
});

test("stage 1 runs Valkey, AL2023's successor to the end-of-life redis6, beside PostgreSQL", () => {
  const stage1 = scriptOf(templateOf(1));
  expect(stage1).toContain('ZTM_LOCAL_DATA=true');
  expect(readFileSync(join(HOST, 'install.sh'), 'utf8')).toContain('retry dnf install -y postgresql15-server valkey\n');
  expect(stage1).not.toMatch(/redis6/);
});

test("the whole script is valid bash, and fits EC2's 16 KB of user data", () => {
  expect(() => execFileSync('bash', ['-n'], { input: script })).not.toThrow();
  const stage1 = userDataText(only(templateOf(1), 'AWS::EC2::Instance')[1].Properties.UserData);
  expect(Buffer.byteLength(stage1)).toBeLessThan(16 * 1024);
});

test('its role may signal its own stack and read the bundle object, and nothing else of the host install', () => {
  const template = fixtureTemplate('single-web-server/stateless');
  const role = only(template, 'AWS::IAM::InstanceProfile')[1].Properties.Roles[0].Ref;
  expect(
    statementsOf(template, role)
      .map((s) => s.Action)
      .sort(),
  ).toEqual(['cloudformation:SignalResource', 's3:GetObject']);
});
