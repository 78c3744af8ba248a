/**
 * Snapshot serializer: replaces what changes with aws-cdk-lib upgrades but says nothing about
 * the design — asset hashes (in S3 keys and image tags) and the library version — so snapshots
 * are stable across machines and upgrades and show only real changes.
 */
const ASSET_HASH = /[0-9a-f]{64}/g;
const CDK_VERSION = /\b2\.\d+\.\d+\b(?=[^"]*(aws-cdk-lib|cdk-version))/g;

function normalise(value: string): string {
  return value.replace(ASSET_HASH, '<asset hash>').replace(CDK_VERSION, '<cdk version>');
}

module.exports = {
  test: (value: unknown) => typeof value === 'string' && normalise(value) !== value,
  serialize: (value: string) => JSON.stringify(normalise(value)),
};
