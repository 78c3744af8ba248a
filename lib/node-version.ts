/**
 * Which Node.js versions the project's tools (synth, tests, compare, preflight, bench) support, and
 * the one line they print on any other. The deployed runtimes are another matter: hosts, the
 * container image and the Lambda all run Node.js 24 (lib/bundles.ts, NODE_MAJOR).
 */

/** The Node.js lines maintained in November 2026: 22 and 24 (maintenance LTS), 26 (active LTS). `.nvmrc` names 24, the line the stacks deploy. */
export const SUPPORTED_NODE_MAJORS = [22, 24, 26] as const;

/** End-of-life dates of the lines the tools no longer support, from the Node.js release schedule. */
const END_OF_LIFE: Record<number, string> = { 18: '2025-04-30', 20: '2026-04-30', 21: '2024-06-01', 23: '2025-06-01', 25: '2026-06-01' };

/** One line, or nothing when this Node.js is supported. */
export function nodeVersionNotice(version: string = process.version): string | undefined {
  const major = Number(/^v(\d+)\./.exec(version)?.[1]);
  if ((SUPPORTED_NODE_MAJORS as readonly number[]).includes(major)) return undefined;
  const ended = END_OF_LIFE[major] ? ` is past its end of life (${END_OF_LIFE[major]})` : ' is not a version the project is tested on';
  return `note: Node.js ${version}${ended}; zero-to-millions supports Node.js ${SUPPORTED_NODE_MAJORS.join(', ')} (see .nvmrc).`;
}

/**
 * Prints the notice once, on stderr, and silences the AWS SDK's own notice about the same thing: six
 * lines per process, printed in the middle of whatever the tool says.
 */
export function announceNodeVersion(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const notice = nodeVersionNotice();
  if (notice) write(notice);
}
