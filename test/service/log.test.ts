/**
 * The log (service/src/log.ts): lines batched off the request path and written asynchronously, in
 * order and whole; flushed on demand and at exit; request lines that are valid JSON whatever the path.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLUSH_MS, LineWriter, Log } from '../../service/src/log';

const directory = mkdtempSync(join(tmpdir(), 'ztm-log-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let n = 0;
function writerToFile() {
  const path = join(directory, `${n++}.log`);
  const fd = openSync(path, 'w');
  return { writer: new LineWriter(fd), read: () => readFileSync(path, 'utf8'), close: () => closeSync(fd) };
}

test('lines are not written on the request path, then are written in order and whole, without a flush, within FLUSH_MS', async () => {
  const { writer, read, close } = writerToFile();
  writer.sink('{"n":1}');
  writer.sink('{"n":2,"text":"é😀"}');
  expect(read()).toBe('');
  const deadline = Date.now() + FLUSH_MS + 1000;
  while (read() === '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(read()).toBe('{"n":1}\n{"n":2,"text":"é😀"}\n');
  close();
});

test('a burst larger than the buffers is written whole and in order; flush() resolves once it is', async () => {
  const { writer, read, close } = writerToFile();
  const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(i % 100) }));
  lines.push(JSON.stringify({ huge: 'y'.repeat(300_000) }));
  for (const line of lines) writer.sink(line);
  await writer.flush();
  expect(read()).toBe(`${lines.join('\n')}\n`);
  close();
});

test('flushSync writes what is buffered at once (process exit)', () => {
  const { writer, read, close } = writerToFile();
  writer.sink('{"last":"words"}');
  writer.flushSync();
  expect(read()).toBe('{"last":"words"}\n');
  close();
});

test('request lines are JSON whatever the path holds; events carry time and level', () => {
  const lines: string[] = [];
  const log = new Log((line) => lines.push(line));
  log.request('info', 'id-1', 'GET', '/a"b\\c\n\u0000é', 200, 1.5, 15);
  log.request('error', 'id-2', 'POST', '/items', 500, 3, 40, 'TypeError: x\n    at y');
  log.event({ msg: 'listening', port: 80 });
  log.event({ level: 'warn', msg: 'cache unavailable' });
  expect(lines.map((l) => JSON.parse(l))).toEqual([
    {
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'info',
      requestId: 'id-1',
      method: 'GET',
      path: '/a"b\\c\n\u0000é',
      status: 200,
      ms: 1.5,
      bytes: 15,
    },
    {
      time: expect.any(String),
      level: 'error',
      requestId: 'id-2',
      method: 'POST',
      path: '/items',
      status: 500,
      ms: 3,
      bytes: 40,
      error: 'TypeError: x\n    at y',
    },
    { time: expect.any(String), level: 'info', msg: 'listening', port: 80 },
    { time: expect.any(String), level: 'warn', msg: 'cache unavailable' },
  ]);
});
