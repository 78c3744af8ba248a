/** What a group of preflight checks found. */
export interface CheckResult {
  /** What is wrong, with the fix: each blocks a deploy. */
  readonly problems: string[];
  /** What was checked and found right, and what a user should know. */
  readonly passed: string[];
}
