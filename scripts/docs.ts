/** Regenerates the README's configuration table from the config schema. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withConfigTable } from '../lib/config/docs';

const path = join(__dirname, '..', 'README.md');
const before = readFileSync(path, 'utf8');
const after = withConfigTable(before);
writeFileSync(path, after);
process.stdout.write(before === after ? 'README.md configuration table is up to date\n' : 'README.md configuration table regenerated\n');
