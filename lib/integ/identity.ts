/**
 * The identity a deploy test deploys a stage under, so it never touches a live stage of the same
 * account: its own stack names (the stage's stacks in an aws-cdk-lib `Stage` named `Integ-<id>`, so
 * `Stage4-ReplicatedData` deploys as `Integ-<id>-Stage4-ReplicatedData`), its own record
 * (`integ-<id>.<domainName>`, and a CDN stage's own name under it), weight 0 (a CDN stage then puts
 * no name but its own on its distribution), and nothing protected from deletion, so it can be
 * destroyed whole. Every resource carries the tag `zero-to-millions:integ` = `<id>`.
 */
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config';
import type { StageNumber } from '../config/stages';

/** The tag every resource of a deploy test carries, with the test's id. */
export const INTEG_TAG = 'zero-to-millions:integ';

const ID = /^[a-z][a-z0-9]{5}$/;

export interface IntegIdentity {
  /** Six lower-case letters and digits, a letter first: `k3x9qa`. */
  readonly id: string;
  /** The `Stage` the stacks are built in, and the prefix of their names: `Integ-k3x9qa`. */
  readonly stageName: string;
  /** The record the stage publishes under `domainName`: `integ-k3x9qa`. */
  readonly recordName: string;
}

/** A new identity, or the one `id` names (to destroy what an interrupted run left: `--id`). */
export function integIdentity(id = newId()): IntegIdentity {
  if (!ID.test(id)) throw new Error(`integ id: got ${JSON.stringify(id)}; allowed: six lower-case letters and digits, a letter first`);
  return { id, stageName: `Integ-${id}`, recordName: `integ-${id}` };
}

function newId(random: (n: number) => Buffer = randomBytes): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = random(6);
  // A letter first: a DNS label and a stack name may both start with it.
  return [...bytes].map((b, i) => (i === 0 ? alphabet[b % 26] : alphabet[b % 36])).join('');
}

/** The keys the identity sets: a deploy test that was given one of them would not be isolated. */
export const IDENTITY_KEYS = ['recordName', 'weight', 'deletionProtection', 'stages'] as const;

/**
 * The context a deploy test of `stage` synthesizes with: the user's (cdk.json and `-c`) and the
 * identity's keys; everything else as configured, the firewall's rate limit included (the failover
 * drill writes through it at stage 5 and up, and the rate-limit drill goes over it). A key of the identity
 * given with `-c` is refused by name (the configuration's own checks come after, in `loadConfig`).
 */
export function integContext(
  identity: IntegIdentity,
  stage: StageNumber,
  base: Readonly<Record<string, unknown>>,
  given: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const refused = IDENTITY_KEYS.filter((key) => Object.hasOwn(given, key));
  if (refused.length > 0) {
    throw new ConfigError(
      refused.map(
        (key) =>
          `${key}: got ${JSON.stringify(given[key])}; allowed: nothing: a deploy test sets ${key} itself (${describe(identity, stage)[key]}), so it never touches a live stage`,
      ),
    );
  }
  return {
    ...base,
    ...given,
    stages: [stage],
    recordName: identity.recordName,
    weight: 0,
    deletionProtection: false,
  };
}

/** What the identity sets each key to, in words, for the plan and the refusal above. */
export function describe(identity: IntegIdentity, stage: StageNumber): Record<(typeof IDENTITY_KEYS)[number], string> {
  return {
    recordName: `"${identity.recordName}"`,
    weight: '0',
    deletionProtection: 'false',
    stages: `only ${stage}`,
  };
}
