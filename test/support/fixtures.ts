/**
 * Small apps the construct tests and the control cases read: each builds one construct on a bare
 * stack, or a stage with one deliberate fault. The global setup synthesizes them with the stage
 * variants (./synth-cache.ts), so a test file reads JSON and never loads aws-cdk-lib.
 *
 * Each fixture is the GIVEN of the tests that name it; keep it as small as the idea it shows. They
 * live in ./fixtures/, one module per construct of lib/constructs (and `control` for the control
 * cases), named `<module>/<case>`: a module imports exactly what its fixtures build, and its cache
 * entries change only when one of those sources does.
 */
import { App } from 'aws-cdk-lib';
import { contextWith } from '../../lib/config/context';
import { API_RECORD_FIXTURES } from './fixtures/api-record';
import { CACHE_TIER_FIXTURES } from './fixtures/cache-tier';
import { CONTENT_DELIVERY_FIXTURES } from './fixtures/content-delivery';
import { CONTROL_FIXTURES } from './fixtures/control';
import { DATA_TIER_FIXTURES } from './fixtures/data-tier';
import { DEPLOYMENT_VERIFICATION_FIXTURES } from './fixtures/deployment-verification';
import { EDGE_PROTECTION_FIXTURES } from './fixtures/edge-protection';
import { LOAD_BALANCER_FIXTURES } from './fixtures/load-balancer';
import { NETWORK_FIXTURES } from './fixtures/network';
import { OWN_NAME_RECORD_FIXTURES } from './fixtures/own-name-record';
import { SESSION_STORE_FIXTURES } from './fixtures/session-store';
import type { Fixture } from './fixtures/shared';
import { SINGLE_WEB_SERVER_FIXTURES } from './fixtures/single-web-server';
import { WEB_TIER_FIXTURES } from './fixtures/web-tier';

export type { Fixture } from './fixtures/shared';

export const FIXTURES = {
  ...NETWORK_FIXTURES,
  ...SINGLE_WEB_SERVER_FIXTURES,
  ...DATA_TIER_FIXTURES,
  ...LOAD_BALANCER_FIXTURES,
  ...CACHE_TIER_FIXTURES,
  ...SESSION_STORE_FIXTURES,
  ...EDGE_PROTECTION_FIXTURES,
  ...CONTENT_DELIVERY_FIXTURES,
  ...WEB_TIER_FIXTURES,
  ...API_RECORD_FIXTURES,
  ...OWN_NAME_RECORD_FIXTURES,
  ...DEPLOYMENT_VERIFICATION_FIXTURES,
  ...CONTROL_FIXTURES,
} satisfies Record<string, Fixture>;

export type FixtureName = keyof typeof FIXTURES;

/** The module a fixture lives in (./fixtures/<module>.ts), from its name. */
export const fixtureModule = (name: string) => `test/support/fixtures/${name.split('/')[0]}.ts`;

/**
 * The stage a fixture's app builds, when it builds the app (lib/app.ts): always stage 1, so a fixture
 * module's cache entry depends on stage 1's sources and no other stage's (./entry-keys.ts).
 */
export const FIXTURE_STAGES = '1';

/** The app a fixture is built in: the context `cdk synth` gives, without Lambda bundling or creation stack traces. */
export function fixtureApp(fixture: Fixture, outdir: string): App {
  if (fixture.context && 'stages' in fixture.context)
    throw new Error(
      `a fixture builds stage ${FIXTURE_STAGES} only (its cache key follows no other stage), got stages: ${JSON.stringify(fixture.context.stages)}`,
    );
  return new App({
    context: contextWith({ stages: FIXTURE_STAGES, ...fixture.context }, { creationStackTraces: false }),
    outdir,
    builtinCloudFormationValidation: fixture.checks?.validation ?? false,
  });
}
