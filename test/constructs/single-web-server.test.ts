/** One public web server with an Elastic IP (lib/constructs/single-web-server.ts), on a bare stack. */
import { fixtureTemplate } from '../support/synth-cache';
import { ingressRules, only, resources, subnetTier, userDataText } from '../support/template';

describe('holding data (stage 1)', () => {
  const template = fixtureTemplate('single-web-server/holds-data');
  const [instanceId, instance] = only(template, 'AWS::EC2::Instance');

  test('no stack operation deletes it: retained on delete and replacement, except when its creation rolls back', () => {
    expect([instance.DeletionPolicy, instance.UpdateReplacePolicy]).toEqual(['RetainExceptOnCreate', 'Retain']);
    // Termination protection would stop CloudFormation from deleting an instance whose first boot
    // failed to signal, and the stack would end in ROLLBACK_FAILED.
    expect(instance.Properties.DisableApiTermination).toBe(false);
  });

  test('without deletionProtection, deleting the stack deletes it', () => {
    const [, unprotected] = only(fixtureTemplate('single-web-server/holds-data-unprotected'), 'AWS::EC2::Instance');
    expect([unprotected.DeletionPolicy, unprotected.UpdateReplacePolicy, unprotected.Properties.DisableApiTermination]).toEqual([
      undefined,
      undefined,
      false,
    ]);
  });

  test('its install script runs at every boot as one per-boot part under a fixed name, so a changed script arrives without a replacement', () => {
    const mime = userDataText(instance.Properties.UserData);
    expect(mime).toContain(
      'Content-Type: text/x-shellscript-per-boot; charset="utf-8"\nContent-Disposition: attachment; filename="zero-to-millions.sh"\nContent-Transfer-Encoding: base64\n',
    );
    // cloud-init's own configuration is left alone: no list of final modules replaced.
    expect(mime).not.toMatch(/cloud_final_modules|text\/cloud-config/);
    expect(mime.match(/^--\+AWS\+CDK\+User\+Data\+Separator==$/gm)).toHaveLength(1);
    expect(instanceId).toBe('ServerInstanceE518391B'); // no user-data hash in the id: a change would replace it
  });

  test('it starts only once its subnet routes to the internet: its script installs from the network', () => {
    const publicRoutes = resources(template, 'AWS::EC2::Route').map(([id]) => id);
    expect(instance.DependsOn).toEqual(expect.arrayContaining(publicRoutes));
  });

  test('it waits until the app answers, then signals; termination protection is acknowledged with the reason', () => {
    expect(instance.CreationPolicy).toEqual({ ResourceSignal: { Timeout: 'PT15M' } });
  });

  test('only HTTP on port 80 is open to the world, and it sits in a public subnet with an Elastic IP', () => {
    expect(ingressRules(template)).toEqual([
      { group: expect.stringMatching(/^ServerSecurityGroup/), from: '0.0.0.0/0', fromPort: 80, toPort: 80 },
    ]);
    expect(subnetTier(template, instance.Properties.SubnetId)).toBe('Public');
    expect(only(template, 'AWS::EC2::EIP')[1].Properties.InstanceId).toEqual({ Ref: instanceId });
  });

  test('snapshot', () => expect(template).toMatchSnapshot());
});

describe('stateless (stage 2)', () => {
  const template = fixtureTemplate('single-web-server/stateless');
  const [instanceId, instance] = only(template, 'AWS::EC2::Instance');

  test('replaceable: its user data replaces it, nothing retains it', () => {
    expect(instanceId).toMatch(/^ServerInstanceE518391B[0-9a-f]{16}$/); // the user-data hash in the id
    expect([instance.DeletionPolicy, instance.Properties.DisableApiTermination]).toEqual([undefined, false]);
    expect(userDataText(instance.Properties.UserData)).toMatch(/^#!\/bin\/bash\n/);
  });

  test('a Graviton instance type gets the arm64 image', () => {
    const [, imageTemplate] = resources(template, 'AWS::EC2::LaunchTemplate')[0];
    expect(imageTemplate.Properties.LaunchTemplateData.ImageId).toBe(
      'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
    );
  });
});
