/** zero-to-millions docs (npm run docs): regenerates the configuration table of docs/configuration.md from the config schema. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from '../lib/cli';
import { CONFIG_TABLE_PAGE, withConfigTable } from '../lib/config/docs';
import { TOOLS } from '../lib/tools';

runTool(TOOLS.docs, () => {
  const path = join(__dirname, '..', CONFIG_TABLE_PAGE);
  const before = readFileSync(path, 'utf8');
  const after = withConfigTable(before);
  writeFileSync(path, after);
  process.stdout.write(`${CONFIG_TABLE_PAGE} configuration table ${before === after ? 'is up to date' : 'regenerated'}\n`);
  return 0;
});
