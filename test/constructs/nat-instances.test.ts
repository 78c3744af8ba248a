/** NAT instances (lib/constructs/nat-instances.ts), in a network of two zones on a bare stack. */
import { fixtureTemplate, templateOf } from '../support/synth-cache';
import { idOf, ingressRules, only, resources, statementsOf, subnetTier, userDataText } from '../support/template';

const template = fixtureTemplate('network/nat-instances');
const instances = resources(template, 'AWS::EC2::Instance');
const zoneOf = (subnet: unknown) => template.Resources[idOf(subnet)].Properties.AvailabilityZone;

test('one t4g.nano NAT instance in the public subnet of each zone, forwarding (source/destination check off); no NAT gateway', () => {
  expect(
    instances.map(([, i]) => [i.Properties.InstanceType, i.Properties.SourceDestCheck, subnetTier(template, i.Properties.SubnetId)]),
  ).toEqual([
    ['t4g.nano', false, 'Public'],
    ['t4g.nano', false, 'Public'],
  ]);
  expect(instances.map(([, i]) => zoneOf(i.Properties.SubnetId))).toEqual(['us-east-1a', 'us-east-1b']);
  expect(resources(template, 'AWS::EC2::NatGateway')).toEqual([]);
  // Its public address is the subnet's auto-assigned one: no Elastic IP.
  expect(resources(template, 'AWS::EC2::EIP')).toEqual([]);
});

test("each private subnet's default route goes to the NAT instance of its own zone", () => {
  const routes = resources(template, 'AWS::EC2::Route').filter(([, r]) => r.Properties.InstanceId);
  expect(routes).toHaveLength(2);
  for (const [, route] of routes) {
    const [, association] = resources(template, 'AWS::EC2::SubnetRouteTableAssociation').find(
      ([, a]) => idOf(a.Properties.RouteTableId) === idOf(route.Properties.RouteTableId),
    )!;
    const nat = template.Resources[idOf(route.Properties.InstanceId)];
    expect([route.Properties.DestinationCidrBlock, subnetTier(template, association.Properties.SubnetId)]).toEqual([
      '0.0.0.0/0',
      'Private',
    ]);
    expect(zoneOf(association.Properties.SubnetId)).toBe(zoneOf(nat.Properties.SubnetId));
  }
});

test('hardened like every host: IMDSv2 only, an encrypted gp3 root of the image size, no key pair, Session Manager', () => {
  for (const [, instance] of instances) {
    expect(instance.Properties.MetadataOptions).toEqual({ HttpEndpoint: 'enabled', HttpTokens: 'required' });
    expect(instance.Properties.BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true, Encrypted: true, VolumeType: 'gp3' } },
    ]);
    expect(instance.Properties.KeyName).toBeUndefined();
    const role = template.Resources[idOf(instance.Properties.IamInstanceProfile)].Properties.Roles[0].Ref;
    expect(JSON.stringify(template.Resources[role].Properties.ManagedPolicyArns)).toContain('AmazonSSMManagedInstanceCore');
    // Besides Session Manager, the role may only signal its stack.
    expect(statementsOf(template, role)).toEqual([
      { Action: 'cloudformation:SignalResource', Effect: 'Allow', Resource: { Ref: 'AWS::StackId' } },
    ]);
  }
});

test('the image is resolved by EC2 at launch from a named launch template, so a new Amazon Linux never replaces a NAT on deploy', () => {
  const [templateId, launch] = only(template, 'AWS::EC2::LaunchTemplate');
  expect(launch.Properties.LaunchTemplateData.ImageId).toBe(
    'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
  );
  expect(launch.Properties.LaunchTemplateName).toBe('Network-nat-image');
  for (const [, instance] of instances) {
    expect(instance.Properties.ImageId).toBeUndefined();
    expect(idOf(instance.Properties.LaunchTemplate.LaunchTemplateId)).toBe(templateId);
  }
  // No deploy-time image parameter, and no lookup: synth is offline.
  expect(Object.keys(template.Parameters ?? {})).toEqual(['BootstrapVersion']);
});

test('it admits HTTPS from the VPC only and sends HTTPS only: nothing from the internet, no SSH', () => {
  const [groupId, group] = only(template, 'AWS::EC2::SecurityGroup');
  expect(instances.map(([, i]) => i.Properties.SecurityGroupIds.map(idOf))).toEqual([[groupId], [groupId]]);
  expect(ingressRules(template)).toEqual([{ group: groupId, from: '10.0.0.0/16', fromPort: 443, toPort: 443 }]);
  expect(group.Properties.SecurityGroupEgress).toEqual([
    { CidrIp: '0.0.0.0/0', Description: expect.any(String), FromPort: 443, IpProtocol: 'tcp', ToPort: 443 },
  ]);
});

test("its script masquerades the VPC's traffic out of its default interface, keeps the rules across a reboot, and signals", () => {
  const [id, instance] = instances[0];
  const script = userDataText(instance.Properties.UserData);
  expect(script).toContain(`/opt/aws/bin/cfn-signal --stack Network --resource ${id} --region us-east-1 -e $exitCode`);
  const steps = script.slice(script.indexOf('set -euo pipefail')).split('\n');
  expect(steps).toEqual([
    'set -euo pipefail',
    expect.stringMatching(/^retry\(\) /),
    '[ -x /opt/aws/bin/cfn-signal ] || retry dnf install -y aws-cfn-bootstrap',
    'retry dnf install -y iptables-services',
    "echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-nat.conf",
    'sysctl -p /etc/sysctl.d/90-nat.conf',
    'systemctl enable --now iptables',
    "out=$(ip route show default | awk '{ print $5; exit }')",
    'iptables -t nat -A POSTROUTING -o "$out" -s 10.0.0.0/16 -j MASQUERADE',
    'iptables -F FORWARD',
    'iptables-save > /etc/sysconfig/iptables',
  ]);
  // Nothing behind it starts before it forwards, and it starts once its own subnet reaches the internet.
  expect(instance.CreationPolicy).toEqual({ ResourceSignal: { Count: 1, Timeout: 'PT10M' } });
  expect(instance.DependsOn).toEqual(expect.arrayContaining(['NetworkVpcPublicSubnet1DefaultRoute31EC04EC']));
});

test('an alarm reboots each NAT instance after three failed instance status checks, one a minute', () => {
  const alarms = resources(template, 'AWS::CloudWatch::Alarm');
  expect(alarms.map(([, a]) => idOf(a.Properties.Dimensions[0].Value)).sort()).toEqual(instances.map(([id]) => id).sort());
  for (const [, alarm] of alarms) {
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/EC2',
      MetricName: 'StatusCheckFailed_Instance',
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 3,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: ['arn:aws:automate:us-east-1:ec2:reboot'],
    });
  }
});

/**
 * A change to a NAT instance's script (its own steps, or the SIGNALLING_PREAMBLE every host script
 * shares) replaces it: updated in place it would only be stopped and started, and EC2 does not run
 * changed user data at a start.
 */
describe('GIVEN the same NAT instances with another script (here: the range they masquerade)', () => {
  const other = fixtureTemplate('network/nat-instances-other-range');
  const otherInstances = resources(other, 'AWS::EC2::Instance');
  const hashed = /^(NetworkVpcPublicSubnet[12]NatInstance[0-9A-F]{8})([0-9a-f]{16})$/;

  test('THEN each has a new logical id, its path with a hash of its script: CloudFormation creates the new one first, and deletes the old one last', () => {
    expect(otherInstances).toHaveLength(2);
    for (const [index, [id]] of instances.entries()) {
      const [otherId] = otherInstances[index];
      expect([id, otherId]).toEqual([expect.stringMatching(hashed), expect.stringMatching(hashed)]);
      expect(otherId.replace(hashed, '$1')).toBe(id.replace(hashed, '$1'));
      expect(otherId).not.toBe(id);
    }
    // The same script, built elsewhere, keeps the id: nothing but a change of the script replaces it.
    expect(resources(fixtureTemplate('network/nat-instances-alone'), 'AWS::EC2::Instance').map(([id]) => id)).toEqual(
      instances.map(([id]) => id),
    );
  });

  test("THEN a stack's name is no part of the hash, though the script names it: stages 3 and 4 run the same script under the same ids", () => {
    const natIds = (stage: 3 | 4) =>
      resources(templateOf(stage), 'AWS::EC2::Instance')
        .filter(([, i]) => i.Properties.SourceDestCheck === false)
        .map(([id]) => id);
    expect(natIds(3)).toEqual(instances.map(([id]) => expect.stringMatching(new RegExp(`^${id.replace(hashed, '$1')}[0-9a-f]{16}$`))));
    expect(natIds(4)).toEqual(natIds(3));
  });

  test('THEN each new instance signals under its new id, and the routes point at it: CloudFormation moves them once it has signalled', () => {
    for (const [id, instance] of otherInstances) {
      expect(id).toMatch(hashed);
      expect(userDataText(instance.Properties.UserData)).toContain(`--resource ${id} `);
      expect(instance.CreationPolicy).toEqual({ ResourceSignal: { Count: 1, Timeout: 'PT10M' } });
    }
    const routes = resources(other, 'AWS::EC2::Route').filter(([, r]) => r.Properties.InstanceId);
    expect(routes.map(([, r]) => idOf(r.Properties.InstanceId)).sort()).toEqual(otherInstances.map(([id]) => id).sort());
  });
});

test('snapshot', () => expect(template).toMatchSnapshot());
