/**
 * The template cache must never serve a stale template: each entry's key hashes every file its
 * build reads (./entry-keys.ts). These tests find what lib/ reads at run time and require each to be
 * declared, check the import scan against esbuild (which compiles the app and the builders), and
 * show that a change to one file rebuilds exactly the entries whose builds read it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildSync } from 'esbuild';
import { importClosure, REPOSITORY, readSource, type SourceReader } from '../../lib/source-hash';
import { EVERY_BUILD, fixtureModules, fixtureSources, RUNTIME_READS, readingOnce, stageFiles, stageSources } from './entry-keys';
import { plan } from './global-setup';

const files = (path: string): string[] =>
  statSync(path).isDirectory() ? readdirSync(path).flatMap((entry) => files(join(path, entry))) : path.endsWith('.ts') ? [path] : [];
const lib = files(join(REPOSITORY, 'lib')).map((file) => relative(REPOSITORY, file));

test('every module of lib/ that reads the repository at run time declares what it reads', () => {
  const undeclared: string[] = [];
  for (const file of lib) {
    const text = readFileSync(join(REPOSITORY, file), 'utf8');
    if (!/\bREPOSITORY\b|__dirname/.test(text)) continue;
    if (!(file in RUNTIME_READS)) {
      undeclared.push(`${file} (not in RUNTIME_READS)`);
      continue;
    }
    const declared = RUNTIME_READS[file]();
    // Each literal path it joins to the repository is one it declares (node_modules is the lockfile's, which every build reads).
    for (const [, args] of text.matchAll(/join\(REPOSITORY((?:,\s*'[^']+')+)/g)) {
      const path = [...args.matchAll(/'([^']+)'/g)].map(([, part]) => part).join('/');
      if (!path.startsWith('node_modules/') && !declared.some((d) => path === d || path.startsWith(`${d}/`)))
        undeclared.push(`${file} reads ${path}`);
    }
  }
  expect(undeclared).toEqual([]);
  // The scan finds what it must: the page, the host files, the context.
  expect(Object.keys(RUNTIME_READS)).toEqual(
    expect.arrayContaining(['lib/web-page.ts', 'lib/constructs/host-install.ts', 'lib/config/context.ts']),
  );
});

test('the import scan finds every module esbuild compiles into the builders, the app and the bundles', () => {
  const roots = [
    'test/support/build-stages.ts',
    'test/support/build-fixtures.ts',
    'bin/zero-to-millions.ts',
    'service/src/server.ts',
    'lambda/verify-deployment/index.ts',
  ];
  // One esbuild run for all: its metafile lists the inputs of each output, that is of each root.
  const { metafile } = buildSync({
    entryPoints: roots.map((root) => join(REPOSITORY, root)),
    outdir: '/nowhere',
    entryNames: '[dir]/[name]',
    outbase: REPOSITORY,
    bundle: true,
    packages: 'external',
    platform: 'node',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const outputs = Object.values(metafile.outputs);
  for (const root of roots) {
    const output = outputs.find((o) => o.entryPoint === root)!;
    const compiled = Object.keys(output.inputs);
    const closure = new Set(importClosure([root]));
    expect([root, compiled.length > 1, compiled.filter((file) => !closure.has(file))]).toEqual([root, true, []]);
  }
});

test('the modules a build enters only when it is theirs only declare at top level', () => {
  const picked = [...stageFiles().values(), ...fixtureModules().values()];
  expect(picked.length).toBeGreaterThan(12);
  for (const file of picked) {
    const statements = readSource(file)
      .split('\n')
      .filter(
        (line) => /^\S/.test(line) && !/^(import|export|const|function|class|type|interface|\/\/|\/\*|\*|\}|\)|\])/.test(line.trimStart()),
      );
    expect([file, statements]).toEqual([file, []]);
  }
});

test('each fixture lives in the module its name starts with', () => {
  for (const [module, file] of fixtureModules()) {
    const names = [...readSource(file).matchAll(/^ {2}'([^']+)': \{/gm)].map(([, name]) => name);
    expect([module, names.length > 0, names.filter((name) => name.split('/')[0] !== module)]).toEqual([module, true, []]);
  }
});

describe('a change to one file rebuilds exactly the entries whose builds read it', () => {
  const base = readingOnce();
  const before = plan(base).manifest;
  const changing =
    (target: string): SourceReader =>
    (path) =>
      path === target ? `${base(path)}\n// changed\n` : base(path);
  /** What the change rebuilds: variants as `stage <n> <overrides>`, fixture modules by name. */
  const rebuilt = (target: string) => {
    const after = plan(readingOnce(changing(target))).manifest;
    return {
      variants: Object.keys(before.variants).filter((id) => after.variants[id] !== before.variants[id]),
      fixtures: Object.keys(before.fixtures).filter((module) => after.fixtures[module] !== before.fixtures[module]),
    };
  };
  const stages = [...stageFiles().keys()];
  const sourcesOfStage = new Map(stages.map((stage) => [stage, stageSources(stage, base)]));
  const sourcesOfModule = new Map([...fixtureModules().keys()].map((module) => [module, fixtureSources(module, base)]));

  test.each(lib.filter((file) => file.startsWith('lib/constructs/')))('%s', (construct) => {
    const expected = {
      variants: Object.keys(before.variants).filter((id) => sourcesOfStage.get(Number(id.split(' ')[0]))!.includes(construct)),
      fixtures: [...sourcesOfModule].filter(([, sources]) => sources.includes(construct)).map(([module]) => module),
    };
    expect(rebuilt(construct)).toEqual(expected);
    // It never rebuilds everything: some fixture module builds none of it.
    expect(expected.fixtures.length).toBeLessThan(fixtureModules().size);
  });

  const stagesOf = (variants: string[]) => new Set(variants.map((id) => Number(id.split(' ')[0])));

  test('a stage file: that stage’s variants; stage 1’s also the control cases (they build the app, stage 1 only)', () => {
    const six = rebuilt(stageFiles().get(6)!);
    expect(stagesOf(six.variants)).toEqual(new Set([6]));
    expect(six.variants.length).toBe(Object.keys(before.variants).filter((id) => id.startsWith('6 ')).length);
    expect(six.fixtures).toEqual([]);
    const one = rebuilt(stageFiles().get(1)!);
    expect([stagesOf(one.variants), one.fixtures]).toEqual([new Set([1]), ['control']]);
  });

  test('what every stage shares (lib/stages/stage-stack.ts): every stage and the control cases, no other fixture', () => {
    const { variants, fixtures } = rebuilt('lib/stages/stage-stack.ts');
    expect([stagesOf(variants), fixtures]).toEqual([new Set(stages), ['control']]);
  });

  // Each stage imports the parts (lib/stages/parts/) it builds, and a part the constructs it composes.
  test.each([
    ['lib/constructs/session-store.ts', [6], ['session-store']],
    ['lib/constructs/static-page.ts', [5, 6], ['content-delivery']],
    ['lib/constructs/replicated-data-tier.ts', [4, 5, 6], []],
    ['lib/constructs/load-balancer.ts', [3, 4, 5, 6], ['content-delivery', 'load-balancer', 'web-tier']],
    ['lib/constructs/single-web-server.ts', [1, 2], ['control', 'single-web-server']],
  ])('%s: the variants of stages %j, and fixture modules %j', (construct, expectedStages, expectedFixtures) => {
    const { variants, fixtures } = rebuilt(construct);
    expect([stagesOf(variants), [...fixtures].sort()]).toEqual([new Set(expectedStages), expectedFixtures]);
    expect(variants.length).toBe(Object.keys(before.variants).filter((id) => expectedStages.includes(Number(id.split(' ')[0]))).length);
  });

  test('a fixture module: its own fixtures and those that build on it, no stage', () => {
    expect(rebuilt('test/support/fixtures/edge-protection.ts')).toEqual({ variants: [], fixtures: ['edge-protection'] });
    expect(rebuilt('test/support/fixtures/network.ts').fixtures).toEqual(
      expect.arrayContaining(['network', 'web-tier', 'load-balancer', 'data-tier', 'cache-tier', 'content-delivery']),
    );
    expect(rebuilt('test/support/fixtures/network.ts').variants).toEqual([]);
  });

  test('the page, a host file, the service and what it imports from lib/: what deploys them, not the rest', () => {
    for (const file of ['service/host/install.sh', 'service/src/app.ts', 'lib/data-contract.ts']) {
      expect([file, rebuilt(file).variants.length]).toEqual([file, Object.keys(before.variants).length]);
    }
    // The page is deployed by the CDN stages only.
    expect(stagesOf(rebuilt('web/index.html').variants)).toEqual(new Set([5, 6]));
    for (const file of ['web/index.html', 'service/host/install.sh', 'service/src/app.ts']) {
      const { fixtures } = rebuilt(file);
      expect([file, fixtures.includes('network'), fixtures.includes('edge-protection')]).toEqual([file, false, false]);
    }
    expect(rebuilt('web/index.html').fixtures).toContain('content-delivery');
    expect(rebuilt('service/src/app.ts').fixtures).toEqual(expect.arrayContaining(['web-tier', 'single-web-server']));
  });

  test('what every build reads rebuilds every entry', () => {
    for (const file of EVERY_BUILD) {
      expect([file, rebuilt(file)]).toEqual([file, { variants: Object.keys(before.variants), fixtures: [...fixtureModules().keys()] }]);
    }
  });
});
