/**
 * Snapshot serializer: replaces what changes with an aws-cdk-lib upgrade but says nothing about
 * this project's design, so snapshots are stable across machines and upgrades and show only real
 * changes:
 * - asset hashes, in S3 keys and image tags;
 * - the Node.js runtime of the Lambda handlers aws-cdk-lib writes for its own custom resources
 *   (such as the one that empties the VPC's default security group);
 * - the version of the workload service (a hash of its sources) in a host's environment file and a
 *   container's environment: the service has its own tests;
 * - the logical id of a Lambda function's current version, which aws-cdk-lib derives from the code
 *   asset's hash;
 * - the user-data hash in the logical id of an instance that a user-data change replaces (stage 2's
 *   web server, the NAT instances): it changes with every change of the service or the script, which
 *   is the point of it; the stage and construct tests say which instances carry it;
 * - the digest of what serves that the deployment verification's trigger carries: it changes with
 *   every change of the service too; the construct and stage tests say what it covers.
 */
const ASSET_HASH = /[0-9a-f]{64}/g;
const HAS_ASSET_HASH = /[0-9a-f]{64}|VERSION=[0-9a-f]{12}\b|CurrentVersion[0-9A-F]{8}[0-9a-f]{32}|Instance[0-9A-F]{8}[0-9a-f]{16}\b/;
const USER_DATA_HASH = /(Instance[0-9A-F]{8})[0-9a-f]{16}\b/g;
const FUNCTION_VERSION = /CurrentVersion[0-9A-F]{8}[0-9a-f]{32}/g;
const SERVICE_VERSION = /VERSION=[0-9a-f]{12}\b/g;
const CDK_OWN_HANDLER = /CustomResourceProviderHandler[0-9A-F]{8}$/;
const NORMALISED = Symbol('normalised');

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

const isTemplate = (value: unknown): value is Template =>
  typeof value === 'object' && value !== null && !(NORMALISED in value) && typeof (value as Template).Resources === 'object';

const normalise = (text: string) =>
  text
    .replace(ASSET_HASH, '<asset hash>')
    .replace(USER_DATA_HASH, '$1<user data hash>')
    .replace(SERVICE_VERSION, 'VERSION=<service version>')
    .replace(FUNCTION_VERSION, 'CurrentVersion<asset hash>');

module.exports = {
  test: (value: unknown) => (typeof value === 'string' && HAS_ASSET_HASH.test(value)) || isTemplate(value),
  serialize(
    value: unknown,
    config: unknown,
    indentation: string,
    depth: number,
    refs: unknown,
    printer: (value: unknown, ...rest: unknown[]) => string,
  ): string {
    if (typeof value === 'string') return JSON.stringify(normalise(value));
    const original = value as Template;
    const template = {
      ...structuredClone(original),
      Resources: Object.fromEntries(Object.entries(structuredClone(original.Resources)).map(([id, r]) => [normalise(id), r])),
    };
    for (const [id, resource] of Object.entries(template.Resources)) {
      if (resource.Type === 'AWS::Lambda::Function' && CDK_OWN_HANDLER.test(id))
        resource.Properties!.Runtime = '<runtime chosen by aws-cdk-lib>';
      if (resource.Type === 'Custom::Trigger' && resource.Properties?.ServingDigest !== undefined)
        resource.Properties.ServingDigest = '<digest of what serves>';
      if (resource.Type === 'AWS::ECS::TaskDefinition') {
        for (const container of (resource.Properties!.ContainerDefinitions as { Environment?: { Name: string; Value: unknown }[] }[]) ??
          []) {
          for (const variable of container.Environment ?? []) if (variable.Name === 'VERSION') variable.Value = '<service version>';
        }
      }
    }
    Object.defineProperty(template, NORMALISED, { value: true });
    return printer(template, config, indentation, depth, refs);
  },
};
