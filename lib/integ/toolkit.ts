/**
 * The deploy test's deploys and destroys, by `@aws-cdk/toolkit-lib` in this process: the same
 * engine as the pinned `cdk` CLI, reading the integ app's cloud assembly from its directory
 * (`@aws-cdk/integ-runner`, the newest served, refuses this project's assembly schema). What the
 * toolkit says goes out a line at a time, progress and errors, not its debug chatter; it asks no
 * questions (the user said yes to the plan, which names every stack).
 */
import { type IIoHost, type IoMessage, type IoRequest, StackSelectionStrategy, Toolkit } from '@aws-cdk/toolkit-lib';
import type { DeployPort } from './runner';

/** What the toolkit says that a person running the test reads: its progress and its problems. */
const SHOWN = new Set(['info', 'warn', 'error', 'result']);

/** Prints the toolkit's messages as lines, and answers its questions with yes: the plan was confirmed before. */
export class LineIoHost implements IIoHost {
  constructor(private readonly out: (line: string) => void) {}

  async notify(msg: IoMessage<unknown>): Promise<void> {
    if (!SHOWN.has(msg.level)) return;
    for (const line of msg.message.split('\n')) if (line.trim() !== '') this.out(`  cdk: ${line}`);
  }

  async requestResponse<T>(msg: IoRequest<unknown, T>): Promise<T> {
    // Deploy and destroy confirmations: the user confirmed the plan (or gave --yes) before anything started.
    if (msg.code === 'CDK_TOOLKIT_I5060' || msg.code === 'CDK_TOOLKIT_I7010') return true as T;
    return msg.defaultResponse;
  }
}

/**
 * Deploys and destroys the stacks of the assembly in `directory` whose hierarchical ids are
 * `stackIds` (`Integ-k3x9qa/Stage1-SingleServer`), keyed by their stack names.
 */
export function toolkitPort(
  directory: string,
  stacks: readonly { stackName: string; hierarchicalId: string }[],
  out: (line: string) => void,
): DeployPort {
  const toolkit = new Toolkit({ ioHost: new LineIoHost(out), color: false, emojis: false });
  const source = () => toolkit.fromAssemblyDirectory(directory);
  const idOf = (stackName: string) => {
    const stack = stacks.find((s) => s.stackName === stackName);
    if (!stack) throw new Error(`no stack ${stackName} in the integ app; it has ${stacks.map((s) => s.stackName).join(', ')}`);
    return stack.hierarchicalId;
  };
  return {
    async deploy(stackName) {
      const result = await toolkit.deploy(await source(), {
        stacks: { strategy: StackSelectionStrategy.PATTERN_MUST_MATCH_SINGLE, patterns: [idOf(stackName)] },
        concurrency: 1,
      });
      return { ...(result.stacks.find((s) => s.stackName === stackName)?.outputs ?? {}) };
    },
    async destroy() {
      await toolkit.destroy(await source(), {
        stacks: { strategy: StackSelectionStrategy.PATTERN_MATCH, patterns: stacks.map((s) => s.hierarchicalId) },
        concurrency: 1,
      });
    },
  };
}
