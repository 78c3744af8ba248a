/**
 * Progress for the long suites (`npm run test:matrix`), on stderr beside jest's own report: which
 * file started, a line every few seconds of how many checks are done and the latest, each failure
 * as it happens, and each file as it ends. Jest alone says nothing until a whole file is done, which
 * for the matrix is minutes.
 */
const { relative } = require('node:path');

const EVERY_MS = 5_000;

class ProgressReporter {
  constructor(globalConfig) {
    this.root = globalConfig.rootDir;
    this.start = Date.now();
    this.lastLine = 0;
    this.done = 0;
    this.failed = 0;
  }

  write(line) {
    process.stderr.write(`${line}\n`);
    this.lastLine = Date.now();
  }

  elapsed() {
    return `${Math.round((Date.now() - this.start) / 1000)} s`;
  }

  onRunStart(results) {
    this.start = Date.now();
    this.write(`progress: ${results.numTotalTestSuites} test files; a line every ${EVERY_MS / 1000} s while they run`);
  }

  onTestFileStart(test) {
    this.write(`progress: started ${relative(this.root, test.path)} (${this.elapsed()})`);
  }

  onTestCaseResult(test, result) {
    this.done++;
    if (result.status === 'failed') {
      this.failed++;
      this.write(`progress: FAILED ${result.fullName} (${relative(this.root, test.path)})`);
    } else if (Date.now() - this.lastLine >= EVERY_MS) {
      this.write(
        `progress: ${this.done} checks done in ${this.elapsed()}${this.failed ? `, ${this.failed} failed` : ''}; latest: ${result.fullName}`,
      );
    }
  }

  onTestFileResult(test, result) {
    const { numPassingTests: passed, numFailingTests: failed } = result;
    this.write(
      `progress: finished ${relative(this.root, test.path)}: ${passed} passed${failed ? `, ${failed} failed` : ''} (${this.elapsed()})`,
    );
  }
}

module.exports = ProgressReporter;
