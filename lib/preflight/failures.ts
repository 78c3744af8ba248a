/**
 * When a preflight check cannot run at all: AWS out of reach, no credentials, credentials expired or
 * refused, a permission missing, throttling that outlasted the retries. Each becomes one line that
 * says what failed and what to do, and a cause every call shares (the network, the credentials) is
 * said once, naming the checks it stopped, instead of once per check or as a bare
 * `getaddrinfo ENOTFOUND ...`.
 */
import { isRetryable } from '../../lambda/shared/retry';

/** The AWS call an error came from: its service's IAM prefix and the operation (`route53`, `GetHostedZone`). */
interface Call {
  readonly service: string;
  readonly operation: string;
}

const CALL = Symbol('preflight call');

type Sender = { send(command: any, ...rest: any[]): Promise<any> };

/** The client, with each error it throws marked with the call it came from. */
export function naming<C extends Sender>(client: C, service: string): Pick<C, 'send'> {
  return {
    send: (async (command: { constructor: { name: string } }, ...rest: unknown[]) => {
      try {
        return await client.send(command, ...rest);
      } catch (error) {
        if (error !== null && typeof error === 'object' && !(CALL in error)) {
          const call: Call = { service, operation: command.constructor.name.replace(/Command$/, '') };
          Object.defineProperty(error, CALL, { value: call, enumerable: false });
        }
        throw error;
      }
    }) as C['send'],
  };
}

export type FailureKind =
  | 'network'
  | 'no-credentials'
  | 'expired-credentials'
  | 'refused-credentials'
  | 'access-denied'
  | 'throttled'
  | 'other';

const NETWORK_CODES = [
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EPIPE',
  'ENETDOWN',
];
const NETWORK_NAMES = ['TimeoutError', 'RequestTimeout', 'RequestTimeoutException'];
const EXPIRED = ['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired'];
const REFUSED = [
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
  'AuthFailure',
  'InvalidAccessKeyId',
];
const DENIED = ['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError', 'UnauthorizedException'];

interface ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export function failureKind(error: unknown): FailureKind {
  const e = (error ?? {}) as ErrorShape;
  const name = e.name ?? '';
  if (NETWORK_CODES.includes(e.code ?? '') || NETWORK_NAMES.includes(name)) return 'network';
  // The SDK's credential chain: nothing configured, or an SSO session or token that has run out.
  if (name === 'CredentialsProviderError' || name === 'TokenProviderError') {
    return /expired|refresh/i.test(e.message ?? '') ? 'expired-credentials' : 'no-credentials';
  }
  if (EXPIRED.includes(name)) return 'expired-credentials';
  if (REFUSED.includes(name)) return 'refused-credentials';
  if (DENIED.includes(name) || e.$metadata?.httpStatusCode === 403) return 'access-denied';
  if (isRetryable(error)) return 'throttled';
  return 'other';
}

/** The SDK's network errors carry the host they could not reach in their message. */
const detail = (e: ErrorShape) => (e.message ? `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}` : (e.name ?? String(e)));

export interface Failure {
  /** The group of checks that could not run (`the DNS checks`). */
  readonly checks: string;
  readonly error: unknown;
}

/**
 * One line per cause, with its fix: the network and the credentials once for every check they
 * stopped, a missing permission once per permission, anything else once per check.
 */
export function failureLines(failures: readonly Failure[]): string[] {
  const byCause = new Map<string, { checks: string[]; line: (checks: string) => string }>();
  for (const { checks, error } of failures) {
    const e = (error ?? {}) as ErrorShape;
    const call = (error as { [CALL]?: Call })?.[CALL];
    const action = call ? `${call.service}:${call.operation}` : undefined;
    const kind = failureKind(error);
    const [key, line]: [string, (checks: string) => string] = (() => {
      switch (kind) {
        case 'network':
          return [
            kind,
            (c) =>
              `AWS is out of reach (${detail(e)}), so ${c} did not run: check the network connection, and HTTPS_PROXY if you reach the internet through a proxy, then run preflight again`,
          ];
        case 'no-credentials':
          return [
            kind,
            (c) =>
              `no AWS credentials were found (${detail(e)}), so ${c} did not run: configure a profile (aws configure, or aws configure sso and aws sso login) and set AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then run preflight again`,
          ];
        case 'expired-credentials':
          return [
            kind,
            (c) =>
              `the AWS credentials have expired (${detail(e)}), so ${c} did not run: renew them (aws sso login, or new temporary credentials with their AWS_SESSION_TOKEN), then run preflight again`,
          ];
        case 'refused-credentials':
          return [
            kind,
            (c) =>
              `AWS refuses the credentials (${detail(e)}), so ${c} did not run: check the access key id and secret of the profile or of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (aws sts get-caller-identity tells whether they work)`,
          ];
        case 'access-denied':
          return [
            `${kind} ${action}`,
            (c) =>
              `the credentials may not call ${action ?? 'an AWS API'} (${detail(e)}), so ${c} did not run: allow ${action ?? 'it'} to the identity you deploy with (preflight only reads), or run preflight with credentials that have it`,
          ];
        case 'throttled':
          return [
            `${kind} ${action}`,
            (c) =>
              `AWS kept throttling ${action ?? 'the checks'} (${detail(e)}) through every retry, so ${c} did not run: wait a minute and run preflight again`,
          ];
        default:
          return [
            `${kind} ${checks}`,
            (c) =>
              `${c} failed${action ? ` at ${action}` : ''} with an error preflight does not recognise (${detail(e)}): the message is AWS's own; fix what it names, then run preflight again`,
          ];
      }
    })();
    const entry = byCause.get(key) ?? { checks: [], line };
    entry.checks.push(checks);
    byCause.set(key, entry);
  }
  return [...byCause.values()].map(({ checks, line }) => line(joined(checks)));
}

const joined = (items: string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);
