/**
 * Jest's module runtime (jest-runtime), with two costs of running many test files in one worker
 * taken out; what a test file sees is unchanged (each still gets its own module registry and context).
 *
 * - Compiled code is reused. Jest compiles every module a test file loads, its own framework
 *   (jest-circus, expect, jest-snapshot) included, again for each test file, and V8 does not cache
 *   what `vm.compileFunction` compiles: about a sixth of the suite's CPU time went to compiling the
 *   same sources over and over. Here each compilation hands V8 the code cache of an earlier one of
 *   the same source: kept in memory for the worker's life, and on disk under the cache directory
 *   (keyed by a hash of the source, which V8 itself checks only by length), so the next run and the
 *   other workers skip it too.
 * - Each test file's AsyncLocalStorage is disabled when the file ends. jest-circus creates one per
 *   test file and never disables it; until Node.js 24, every enabled instance is visited whenever
 *   any promise or other async resource is created, so a worker's promises grew costlier with every
 *   file it had run.
 *
 * The package.json `jest.runtime` option names this file; it is plain CommonJS, as Jest loads it
 * without transforming it.
 */
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const vm = require('node:vm');
const Runtime = require('jest-runtime').default;

/** Code caches by module file, for this worker's life: `{ source, data }`. */
const inMemory = new Map();

/** Where code caches are kept between runs: one directory per Node.js version (a cache fits one V8). */
const onDisk = (cacheDirectory) => join(cacheDirectory, `code-cache-${process.version}-${process.arch}`);

function readCache(path) {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Written whole, then renamed: another worker never reads half a file. */
function writeCache(directory, path, data) {
  try {
    mkdirSync(directory, { recursive: true });
    writeFileSync(`${path}.${process.pid}`, data);
    renameSync(`${path}.${process.pid}`, path);
  } catch {
    // A cache not written is compiled again next time.
  }
}

class ZtmRuntime extends Runtime {
  /** The AsyncLocalStorage instances this test file's modules created. */
  #storages = [];

  constructor(config, ...rest) {
    super(config, ...rest);
    this.#reuseCompiledCode(onDisk(config.cacheDirectory));
    this.#trackAsyncLocalStorage();
  }

  #reuseCompiledCode(directory) {
    const executor = this.executor;
    const compile = executor.compile.bind(executor);
    executor.compile = (source, filename) => {
      const context = executor.environment.getVmContext();
      // Node.js's own modules, as Jest shims them, and anything without a context: as Jest does it.
      if (context == null || executor.resolution.isCoreModule(filename)) return compile(source, filename);
      const known = inMemory.get(filename);
      let cachedData = known?.source === source ? known.data : undefined;
      let path;
      if (cachedData === undefined) {
        path = join(directory, createHash('sha256').update(filename).update('\0').update(source).digest('hex').slice(0, 32));
        cachedData = readCache(path);
      }
      let compiled;
      try {
        compiled = vm.compileFunction(source, executor.injectedModuleParameters, {
          filename,
          cachedData,
          produceCachedData: cachedData === undefined,
          importModuleDynamically: (specifier, _function, attributes, phase) =>
            executor.dynamicImport(specifier, filename, context, attributes, phase),
          parsingContext: context,
        });
      } catch {
        // A syntax error, or ESM syntax in a CommonJS file: Jest's own compile reports it as Jest does.
        return compile(source, filename);
      }
      if (compiled.cachedDataRejected === true) {
        inMemory.delete(filename);
        if (path) rmSync(path, { force: true });
      } else if (cachedData !== undefined) {
        if (path) inMemory.set(filename, { source, data: cachedData });
      } else if (compiled.cachedData) {
        inMemory.set(filename, { source, data: compiled.cachedData });
        writeCache(directory, path, compiled.cachedData);
      }
      return compiled;
    };
  }

  #trackAsyncLocalStorage() {
    const storages = this.#storages;
    const provider = this.coreModule;
    const require = provider.require.bind(provider);
    let tracking;
    provider.require = (name) => {
      const module = require(name);
      if (name !== 'async_hooks' && name !== 'node:async_hooks') return module;
      tracking ??= {
        ...module,
        AsyncLocalStorage: class AsyncLocalStorage extends module.AsyncLocalStorage {
          constructor(...args) {
            super(...args);
            storages.push(this);
          }
        },
      };
      return tracking;
    };
  }

  teardown() {
    super.teardown();
    for (const storage of this.#storages.splice(0)) storage.disable();
  }
}

module.exports = ZtmRuntime;
