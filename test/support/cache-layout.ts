/** Where the template cache (./synth-cache.ts) keeps what: shared by the global setup, the builders and the readers. */
import { join } from 'node:path';
import { REPOSITORY } from '../../lib/source-hash';

export const CACHE_ROOT = join(REPOSITORY, '.jest-cache', 'synth');
/** The entries, kept between runs: `stage<N>-<key>.json`, and `fixtures-<module>-<key>/` per fixture module. */
export const ENTRIES = join(CACHE_ROOT, 'entries');
/** This run's manifest, the builders' queue and their failure report. */
export const RUN = join(CACHE_ROOT, 'run');

/** A fixture's file in its module's directory. */
export const fixtureFile = (name: string) => `fixture-${name.replace(/[^a-z0-9-]/gi, '_')}.json`;
/** The file that says a fixture module's directory holds all its fixtures. */
export const DONE = 'done';
