/**
 * The order jest runs the test files in: its own (the ones that failed last time first, then the
 * slowest), except that the files reading the template cache (./synth-cache.ts) come after the
 * others. After a change, a builder synthesizes what the cache lacks while the run goes on, and a
 * file that reads a template not built yet waits for it: jest's own order, which put the files
 * that waited longest last time first, had every worker waiting while one core built them.
 *
 * The package.json `jest.testSequencer` option names this file; it is plain CommonJS, as Jest loads
 * it without transforming it.
 */
const { readFileSync } = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;

/** Imports the template cache: `from './synth-cache'`, `from '../support/synth-cache'`, ... */
const READS_TEMPLATES = /from '(?:\.\.?\/)+(?:support\/)?synth-cache'/;

class TemplatesLastSequencer extends Sequencer {
  sort(tests) {
    const ordered = super.sort(tests);
    return Array.isArray(ordered) ? templatesLast(ordered) : ordered.then(templatesLast);
  }
}

function templatesLast(tests) {
  const reads = new Set(tests.filter((test) => READS_TEMPLATES.test(readFileSync(test.path, 'utf8'))));
  return [...tests.filter((test) => !reads.has(test)), ...reads];
}

module.exports = TemplatesLastSequencer;
