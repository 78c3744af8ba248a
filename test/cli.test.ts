/** How the tools read their command lines (lib/cli.ts), for every tool the package lists (lib/tools.ts). */
import { helpText, parseArguments, type ToolOption, UsageError } from '../lib/cli';
import { TOOLS } from '../lib/tools';

const tools = Object.values(TOOLS);

test.each(tools.map((t) => [t.name, t] as const))(
  '%s: its help has the usage line, every option with what it allows, and the help option',
  (name, tool) => {
    const help = helpText(tool);
    expect(help.split('\n')[0]).toMatch(new RegExp(`^Usage: zero-to-millions ${name}( |$)`));
    // Each option's line names what it takes: the fixed list, or the words its check gives in an error.
    for (const option of tool.options as readonly ToolOption[]) {
      const line = help.split('\n').find((l) => l.startsWith(`  ${option.name}`)) ?? '';
      const allowed = option.allowed?.join(', ') ?? option.accepts?.allowed;
      expect([option.name, line]).toEqual([option.name, expect.stringContaining(allowed ?? option.description)]);
    }
    expect(help).toContain('-h, --help');
  },
);

test.each(tools.map((t) => [t.name, t] as const))('%s: an unknown option is an error that names it', (_name, tool) => {
  expect(() => parseArguments(tool, ['--colour'])).toThrow(UsageError);
  expect(() => parseArguments(tool, ['--colour'])).toThrow(/unknown option "--colour"/);
});

test('GIVEN compare WHEN given stages, flags and context THEN each lands where it belongs', () => {
  expect(parseArguments(TOOLS.compare, ['2', '--json', '3', '-c', 'webTier=ecs'])).toEqual({
    options: { json: true },
    positional: ['2', '3'],
    context: { webTier: 'ecs' },
  });
  expect(() => parseArguments(TOOLS.compare, ['9'])).toThrow('unknown stage "9"; allowed: 1, 2, 3, 4, 5, 6');
  expect(() => parseArguments(TOOLS.compare, ['--json=yes'])).toThrow('--json takes no value');
  expect(() => parseArguments(TOOLS.compare, ['-c', 'webTier'])).toThrow('-c takes key=value, got "webTier"');
});

test('GIVEN local WHEN its options have values THEN they are checked against what each allows', () => {
  expect(parseArguments(TOOLS.local, ['--store', 'dynamodb', '--port=9000']).options).toEqual({ store: 'dynamodb', port: '9000' });
  expect(() => parseArguments(TOOLS.local, ['--store', 'mysql'])).toThrow('--store: got "mysql"; allowed: postgresql, dynamodb');
  expect(() => parseArguments(TOOLS.local, ['--port', '70000'])).toThrow('--port: got "70000"; allowed: a port number from 1 to 65535');
  expect(() => parseArguments(TOOLS.local, ['--port'])).toThrow('--port needs a value (N)');
  expect(() => parseArguments(TOOLS.local, ['extra'])).toThrow('unexpected argument "extra": local takes only options');
});

test('GIVEN bench WHEN sections are named THEN only known ones are taken', () => {
  expect(parseArguments(TOOLS.bench, ['--only', 'synth,tests', '--runs', '1']).options).toEqual({ only: 'synth,tests', runs: '1' });
  expect(() => parseArguments(TOOLS.bench, ['--only', 'synth,speed'])).toThrow(
    '--only: got "synth,speed"; allowed: a comma-separated list of synth, stages, tests, bundle, service, capacity',
  );
});

test('GIVEN load WHEN given a URL and its bounds THEN a base URL is taken and each bound is checked', () => {
  expect(parseArguments(TOOLS.load, ['http://127.0.0.1:8080', '--rate', '500', '--read-share', '0.5'])).toEqual({
    options: { rate: '500', 'read-share': '0.5' },
    positional: ['http://127.0.0.1:8080'],
    context: {},
  });
  expect(() => parseArguments(TOOLS.load, ['127.0.0.1:8080'])).toThrow(
    'url: got "127.0.0.1:8080"; allowed: the API\'s base URL, http:// or https:// and a host (and a port), with no path, query or credentials',
  );
  for (const bad of [
    'http://127.0.0.1:99999',
    'http://127.0.0.1:8080?x=1',
    'http://h/#top',
    'https://user:pw@api.example.com',
    'ftp://h',
    'http://',
    'http://a b',
  ])
    expect(() => parseArguments(TOOLS.load, [bad])).toThrow(`url: got ${JSON.stringify(bad)}; allowed:`);
  for (const good of ['https://api.example.com', 'http://127.0.0.1:8080/', 'http://[::1]:8080'])
    expect(parseArguments(TOOLS.load, [good]).positional).toEqual([good]);
  expect(() => parseArguments(TOOLS.load, ['https://api.example.com/items'])).toThrow(/^url: got "https:\/\/api.example.com\/items"/);
  expect(() => parseArguments(TOOLS.load, ['http://h', '--rate', '100001'])).toThrow(
    /^--rate: got "100001"; allowed: a whole number from 1 to 100,000/,
  );
  expect(() => parseArguments(TOOLS.load, ['http://h', '--duration', '0'])).toThrow(/^--duration: got "0"/);
  expect(() => parseArguments(TOOLS.load, ['http://h', '--read-share', '1.5'])).toThrow(
    '--read-share: got "1.5"; allowed: a fraction from 0 to 1, such as 0.9',
  );
  expect(() => parseArguments(TOOLS.load, ['http://h', '--stage', '7'])).toThrow(/^--stage: got "7"; allowed: 1, 2, 3, 4, 5, 6/);
  // One URL, one stage: the usage line says so; compare takes several.
  expect(helpText(TOOLS.load).split('\n')[0]).toBe('Usage: zero-to-millions load <url> [options] [-c key=value ...]');
  expect(helpText(TOOLS.integ).split('\n')[0]).toMatch(/^Usage: zero-to-millions integ <stage> /);
  expect(helpText(TOOLS.compare).split('\n')[0]).toMatch(/^Usage: zero-to-millions compare \[stage\.\.\.\] /);
});

test('GIVEN a tool without options WHEN given one THEN it says it takes none', () => {
  expect(() => parseArguments(TOOLS.docs, ['--write'])).toThrow('unknown option "--write"; docs takes no options');
  expect(() => parseArguments(TOOLS.preflight, ['--json'])).toThrow('unknown option "--json"; preflight takes -c key=value');
});
