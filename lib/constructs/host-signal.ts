/**
 * How a host tells CloudFormation it is ready: the start every signalling script shares, and the
 * wiring that makes an instance or Auto Scaling group wait for that signal. Apart from the web app's
 * install (./host-install.ts), so hosts that run no web app (NAT instances) do not depend on it.
 */
import { Duration, type Resource, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * How every host script that signals CloudFormation begins: stop at the first failure, a `retry`
 * for the network, and `cfn-signal` made sure of first (the standard AL2023 image has it; a retried
 * install covers an image without), so that any later failure is signalled at once and rolls the
 * deployment back instead of leaving CloudFormation waiting for its timeout.
 */
export const SIGNALLING_PREAMBLE: readonly string[] = [
  'set -euo pipefail',
  'retry() { local n=0; until "$@"; do n=$((n + 1)); [ "$n" -lt 5 ] || return 1; sleep $((n * 3)); done; }',
  '[ -x /opt/aws/bin/cfn-signal ] || retry dnf install -y aws-cfn-bootstrap',
];

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
