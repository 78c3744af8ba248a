/**
 * What the parts of the deploy test (`zero-to-millions integ`) share: the stage under test as its
 * deployment left it, what a proof reports, and the clients a proof is given, so each proof runs
 * against recorded answers in the unit tests and against the user's account in a real run.
 */
import type { Config } from '../config';
import type { StageNumber } from '../config/stages';

/** A stack the deploy test created: its name, region, and what it held (filled in before it is destroyed). */
export interface DeployedStack {
  readonly stackName: string;
  readonly region: string;
}

/** The stage under test, once deployed. */
export interface StageUnderTest {
  readonly stage: StageNumber;
  /** The configuration it was deployed with (the integ identity applied: its own record, weight 0, no deletion protection). */
  readonly config: Config;
  /** The front door, from the stack's `Url` output: `http://integ-ab12cd.example.com/`, `https://stage5.integ-ab12cd.example.com/`. */
  readonly url: string;
  readonly stacks: readonly DeployedStack[];
  /** The physical ids of the stage stack's resources of a CloudFormation type (`AWS::RDS::DBCluster`), from ListStackResources. */
  physicalIds(type: string): Promise<string[]>;
}

/** What one proof found: passed or not, in one line a person reads, and how long it took. */
export interface ProofResult {
  /** Short and stable: `api`, `item`, `reader`, `data-cache`, `edge-cache`, `rate-limit`, `session-survives`, `failover`. */
  readonly name: string;
  readonly ok: boolean;
  /** What was seen: `429 after 212 requests in 41 s`, or what was expected and what came instead. */
  readonly detail: string;
  readonly ms: number;
}

/** HTTP as the global `fetch` does it; a test gives a fake or a local server. */
export type Http = (url: string, init?: RequestInit) => Promise<Response>;

/** Time, so the waits of a proof run in no time under test. */
export interface ProofClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Whether the run was interrupted (Ctrl-C): a long proof checks it between steps and stops early. */
export interface Interruption {
  readonly interrupted: boolean;
}
