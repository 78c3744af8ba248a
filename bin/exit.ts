/**
 * How the command-line tools end: once what they wrote has left. A pipe takes 64 KiB at a time, and
 * process.exit() alone would cut the rest (compare's --json is larger than that); waiting for the
 * event loop to empty instead could wait for an SDK's idle sockets.
 */
export function exitAfterOutput(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
