import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_MAJOR } from '../lib/bundles';
import { nodeVersionNotice, SUPPORTED_NODE_MAJORS } from '../lib/node-version';

const ROOT = join(__dirname, '..');

test('a supported Node.js gets no notice; an ended one gets one line that says what is supported', () => {
  expect(SUPPORTED_NODE_MAJORS.map((n) => nodeVersionNotice(`v${n}.1.0`))).toEqual([undefined, undefined, undefined]);
  expect(nodeVersionNotice('v20.20.2')).toBe(
    'note: Node.js v20.20.2 is past its end of life (2026-04-30); zero-to-millions supports Node.js 22, 24, 26 (see .nvmrc).',
  );
  expect(nodeVersionNotice('v27.0.0')).toMatch(/^note: Node\.js v27\.0\.0 is not a version the project is tested on; /);
  expect(nodeVersionNotice('v20.20.2')).not.toContain('\n');
});

test(".nvmrc names the line every deployed runtime runs, and package.json's engines admit the supported lines only", () => {
  expect(readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim()).toBe(String(NODE_MAJOR));
  expect(SUPPORTED_NODE_MAJORS).toContain(NODE_MAJOR);
  expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines).toEqual({ node: `>=${SUPPORTED_NODE_MAJORS[0]}.12.0` });
});
