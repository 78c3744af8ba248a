/** What a group of preflight checks found. */
export interface CheckResult {
  /** What is wrong, with the fix: each blocks a deploy. */
  readonly problems: string[];
  /** What was checked and found right, and what a user should know. */
  readonly passed: string[];
}

/** The error a missing or expired credential raises, so the command can say so in one line. */
export function isCredentialsError(error: unknown): boolean {
  const name = (error as { name?: string })?.name ?? '';
  return [
    'CredentialsProviderError',
    'ExpiredToken',
    'ExpiredTokenException',
    'InvalidClientTokenId',
    'UnrecognizedClientException',
    'SignatureDoesNotMatch',
  ].includes(name);
}
