/**
 * The code the stacks deploy, bundled by the local esbuild (never Docker) into one file each: the
 * workload service (service/) and the deployment verification Lambda (lambda/verify-deployment).
 *
 * A bundle lives in a directory named by the hash of its sources, so it is built once per change
 * of those sources, in every process that asks (synth, tests, bench), and an unchanged bundle
 * keeps its asset hash: nothing is redeployed for a change elsewhere.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { hashOfSources, importClosure, REPOSITORY } from './source-hash';

/** The Node.js line every deployed runtime uses: hosts (AL2023 `nodejs24`), the container image (`node:24`) and the Lambda (`nodejs24.x`). */
export const NODE_MAJOR = 24;

export interface Bundle {
  /** The directory holding the bundle (and whatever is copied beside it). */
  readonly directory: string;
  /**
   * The first 12 hex digits of the hash of what the directory holds: a change of sources that does
   * not change the bundle (a development dependency, a comment esbuild drops) is no new version.
   */
  readonly version: string;
}

interface BundleSpec {
  readonly name: string;
  /** The entry point, relative to the repository. */
  readonly entry: string;
  /** The file written in the directory. */
  readonly outfile: string;
  /** Modules left for the runtime to provide. */
  readonly external: string[];
  /** Files copied beside the bundle, relative to the repository. */
  readonly besides?: string[];
}

const built = new Map<string, Bundle>();

/**
 * What a bundle is built from: every repository module its entry imports, wherever it lives (the
 * service imports lib/data-contract.ts), the files copied beside it, and the lockfile (the
 * packages it bundles, and esbuild itself).
 */
const inputsOf = (spec: BundleSpec) => [...importClosure([spec.entry]), ...(spec.besides ?? []), 'package-lock.json'];

function bundle(spec: BundleSpec): Bundle {
  const cached = built.get(spec.name);
  if (cached) return cached;
  const version = hashOfSources(inputsOf(spec), JSON.stringify({ ...spec, NODE_MAJOR })).slice(0, 12);
  const directory = join(tmpdir(), 'zero-to-millions-bundles', `${spec.name}-${version}`);
  if (!existsSync(join(directory, spec.outfile))) {
    // Built aside and renamed into place, so a concurrent process never sees half a bundle.
    const staging = `${directory}.${process.pid}`;
    mkdirSync(staging, { recursive: true });
    buildSync({
      entryPoints: [join(REPOSITORY, spec.entry)],
      bundle: true,
      platform: 'node',
      target: `node${NODE_MAJOR}`,
      format: 'cjs',
      minify: true,
      legalComments: 'none',
      external: spec.external,
      outfile: join(staging, spec.outfile),
      logLevel: 'warning',
    });
    for (const file of spec.besides ?? []) copyFileSync(join(REPOSITORY, file), join(staging, file.split('/').pop()!));
    try {
      renameSync(staging, directory);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another process finished first: its bundle is the same
    }
  }
  const content = createHash('sha256');
  for (const file of readdirSync(directory).sort())
    content
      .update(file)
      .update('\0')
      .update(readFileSync(join(directory, file)))
      .update('\0');
  const result = { directory, version: content.digest('hex').slice(0, 12) };
  built.set(spec.name, result);
  return result;
}

/** The workload service as `server.js`, beside the Dockerfile that builds its image. */
const SERVICE: BundleSpec = {
  name: 'service',
  entry: 'service/src/server.ts',
  outfile: 'server.js',
  external: ['pg-native', 'cloudflare:sockets'],
  besides: ['service/Dockerfile'],
};
export const serviceBundle = (): Bundle => bundle(SERVICE);

/**
 * The deployment verification Lambda as `index.js`. The AWS SDK is left to the Lambda runtime,
 * which provides it: `npm run bench` measured the bundle at 5.6 KiB and its cold module load at
 * 43 ms that way, against 507 KiB and 48 ms with the SDK bundled; the Route 53 and
 * CloudFormation calls it makes are in every SDK v3 the runtime ships.
 */
const VERIFICATION: BundleSpec = {
  name: 'verify-deployment',
  entry: 'lambda/verify-deployment/index.ts',
  outfile: 'index.js',
  external: ['@aws-sdk/*'],
};
export const verificationBundle = (): Bundle => bundle(VERIFICATION);

/** Every repository file a bundle is built from: a change to any of them builds it again. */
export const bundleInputs = (): string[] => [...new Set([SERVICE, VERIFICATION].flatMap(inputsOf))].sort();
