/**
 * Jest's module runtime (jest-runtime), with two costs of running many test files in one worker
 * taken out; what a test file sees is unchanged (each still gets its own module registry and context).
 *
 * - Compiled code is reused. Jest compiles every module a test file loads, its own framework
 *   (jest-circus, expect, jest-snapshot) included, again for each test file, and V8 does not cache
 *   what `vm.compileFunction` compiles: about a sixth of the suite's CPU time went to compiling the
 *   same sources over and over. Here a module is compiled as Jest 29 compiled it, as a script that
 *   evaluates to the module's function; a script does not belong to a context, so the worker's
 *   later test files run the same one again in theirs (a fresh module each time, as before), and V8
 *   compiles each function once per worker. The first compilation of a module in a worker starts
 *   from the code cache V8 made of it when a test file of an earlier run or another worker had run
 *   it (every function that file called compiled in it): on disk under the cache directory, keyed
 *   by a hash of the source (V8 itself checks only its length).
 * - Each test file's AsyncLocalStorage is disabled when the file ends. jest-circus creates one per
 *   test file and never disables it; until Node.js 24, every enabled instance is visited whenever
 *   any promise or other async resource is created, so a worker's promises grew costlier with every
 *   file it had run.
 *
 * The package.json `jest.runtime` option names this file; it is plain CommonJS, as Jest loads it
 * without transforming it.
 */
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const vm = require('node:vm');
const Runtime = require('jest-runtime').default;

/** The wrapper's one key, which names the module's function in stack traces as Node.js names a module's. */
const MODULE = 'Object.<anonymous>';

/** Each module compiled in this worker, by file: `{ source, script }`, the script run again in each later test file's context. */
const compiled = new Map();

/** The runtime of the test file this worker is running. */
let active;

/** Where code caches are kept between runs: one directory per Node.js version (a cache fits one V8). */
const onDisk = (cacheDirectory) => join(cacheDirectory, `script-cache-${process.version}-${process.arch}`);

function readCache(path) {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Written whole, then renamed: another worker never reads half a file. */
function writeCache(path, data) {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.${process.pid}`, data);
    renameSync(`${path}.${process.pid}`, path);
  } catch {
    // A cache not written is compiled again next time.
  }
}

class ZtmRuntime extends Runtime {
  /** The AsyncLocalStorage instances this test file's modules created. */
  #storages = [];
  /** Modules compiled in this test file without a code cache from disk: theirs is written when it ends. */
  #uncached = [];

  constructor(config, ...rest) {
    super(config, ...rest);
    active = this;
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
      const known = compiled.get(filename);
      if (known?.source === source) return known.script.runInContext(context)[MODULE];
      const prefix = `({"${MODULE}":function(${executor.injectedModuleParameters.join(',')}){`;
      const wrapped = `${prefix}${source}\n}});`;
      const path = join(directory, createHash('sha256').update(filename).update('\0').update(wrapped).digest('hex').slice(0, 32));
      const cachedData = readCache(path);
      let script;
      try {
        script = new vm.Script(wrapped, {
          filename,
          // Positions in the module's first line as they are in its source, without the wrapper.
          columnOffset: -prefix.length,
          cachedData,
          // The script serves every later test file of the worker: an import() goes to the one running.
          importModuleDynamically: (specifier, _script, attributes, phase) =>
            active.executor.dynamicImport(specifier, filename, active.executor.environment.getVmContext(), attributes, phase),
        });
      } catch {
        // A syntax error, or ESM syntax in a CommonJS file: Jest's own compile reports it as Jest does.
        return compile(source, filename);
      }
      compiled.set(filename, { source, script });
      if (cachedData === undefined || script.cachedDataRejected === true) this.#uncached.push({ script, path });
      return script.runInContext(context)[MODULE];
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
    for (const { script, path } of this.#uncached.splice(0)) writeCache(path, script.createCachedData());
    for (const storage of this.#storages.splice(0)) storage.disable();
  }
}

module.exports = ZtmRuntime;
