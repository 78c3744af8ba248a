const serializer = require('./asset-hash-serializer');

const HASH = 'f178182c7c3aac6ad18bdaae53a2d38f72b2cf690d17b9efa635c7ce37f77d71';

test('an asset hash in a string is replaced, so snapshots survive an aws-cdk-lib upgrade', () => {
  expect(serializer.test(`${HASH}.zip`)).toBe(true);
  expect(serializer.serialize(`${HASH}.zip`)).toBe('"<asset hash>.zip"');
  expect(serializer.test('api.example.com')).toBe(false);
});

test('the runtime of a handler aws-cdk-lib writes for itself is normalised; any other Lambda keeps its runtime', () => {
  const template = {
    Resources: {
      CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E: {
        Type: 'AWS::Lambda::Function',
        Properties: { Runtime: 'nodejs24.x' },
      },
      VerifyDeployment1234ABCD: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'nodejs22.x' } },
    },
  };
  let printed: any;
  serializer.serialize(template, {}, '', 0, [], (value: unknown) => {
    printed = value;
    return '';
  });
  expect(printed.Resources.CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E.Properties.Runtime).toBe(
    '<runtime chosen by aws-cdk-lib>',
  );
  expect(printed.Resources.VerifyDeployment1234ABCD.Properties.Runtime).toBe('nodejs22.x');
  expect(template.Resources.CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E.Properties.Runtime).toBe('nodejs24.x');
});

test('the workload service version is normalised in environment files and container environments', () => {
  expect(serializer.serialize('STAGE=Stage1\nVERSION=85ad817baab4\nPORT=80')).toBe(
    JSON.stringify('STAGE=Stage1\nVERSION=<service version>\nPORT=80'),
  );
  const template = {
    Resources: {
      Task: {
        Type: 'AWS::ECS::TaskDefinition',
        Properties: {
          ContainerDefinitions: [
            {
              Environment: [
                { Name: 'VERSION', Value: '85ad817baab4' },
                { Name: 'PORT', Value: '8080' },
              ],
            },
          ],
        },
      },
    },
  };
  let printed: any;
  serializer.serialize(template, {}, '', 0, [], (value: unknown) => {
    printed = value;
    return '';
  });
  expect(printed.Resources.Task.Properties.ContainerDefinitions[0].Environment).toEqual([
    { Name: 'VERSION', Value: '<service version>' },
    { Name: 'PORT', Value: '8080' },
  ]);
});

test('a Lambda version logical id, derived by aws-cdk-lib from the code asset, is normalised in keys and references', () => {
  const id = 'VerificationFunctionCurrentVersion66D2C857795ba2a30113bb2c5fddc830cbea2464';
  const template = {
    Resources: { [id]: { Type: 'AWS::Lambda::Version' }, Trigger: { Type: 'Custom::Trigger', Properties: { HandlerArn: { Ref: id } } } },
  };
  let printed: any;
  serializer.serialize(template, {}, '', 0, [], (value: unknown) => {
    printed = value;
    return '';
  });
  expect(Object.keys(printed.Resources)).toEqual(['VerificationFunctionCurrentVersion<asset hash>', 'Trigger']);
  expect(serializer.serialize(id)).toBe('"VerificationFunctionCurrentVersion<asset hash>"');
});

test('the user-data hash in the logical id of an instance that user data replaces is normalised, in keys and references', () => {
  const id = 'ServerInstanceE518391B8fdf7edb200c3716';
  expect(serializer.serialize(id)).toBe('"ServerInstanceE518391B<user data hash>"');
  expect(serializer.serialize('ServerInstanceE518391B')).toBe('"ServerInstanceE518391B"');
});

test("the digest of what serves on the verification's trigger is normalised; what identifies the deployed version is kept", () => {
  const template = {
    Resources: {
      Trigger: { Type: 'Custom::Trigger', Properties: { Serving: [{ Ref: 'ServerInstanceE518391B' }], ServingDigest: '6b199b5bbacd8266' } },
    },
  };
  let printed: any;
  serializer.serialize(template, {}, '', 0, [], (value: unknown) => {
    printed = value;
    return '';
  });
  expect(printed.Resources.Trigger.Properties).toEqual({
    Serving: [{ Ref: 'ServerInstanceE518391B' }],
    ServingDigest: '<digest of what serves>',
  });
  expect(template.Resources.Trigger.Properties.ServingDigest).toBe('6b199b5bbacd8266');
});
