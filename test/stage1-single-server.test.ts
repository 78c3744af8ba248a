import { Match } from 'aws-cdk-lib/assertions';
import { templateOf } from './support/app';
import { ingressRules, only, resources, subnetTier, userDataText } from './support/template';

describe('Stage 1 — single server', () => {
  const template = templateOf(1);

  test('has exactly one web server, of the configured type, in a public subnet', () => {
    const [, instance] = only(template, 'AWS::EC2::Instance');
    expect(instance.Properties.InstanceType).toBe('t3.small');
    expect(subnetTier(template, instance.Properties.SubnetId)).toBe('Public');
    expect(only(templateOf(1, { instanceType: 'm7g.large' }), 'AWS::EC2::Instance')[1].Properties.InstanceType).toBe('m7g.large');
  });

  /** The image the instance launches from: the launch template it references holds it. */
  const imageOf = (t: typeof template) => {
    const [, instance] = only(t, 'AWS::EC2::Instance');
    expect(instance.Properties.ImageId).toBeUndefined();
    return t.toJSON().Resources[instance.Properties.LaunchTemplate.LaunchTemplateId.Ref].Properties.LaunchTemplateData.ImageId;
  };

  test('a Graviton instance type gets an arm64 Amazon Linux 2023 image', () => {
    expect(imageOf(templateOf(1, { instanceType: 'm7g.large' }))).toBe('resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64');
  });

  test('the image is resolved at launch, so a new Amazon Linux release does not replace the instance (and its database) on the next deploy', () => {
    expect(imageOf(template)).toBe('resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64');
    // No deploy-time image parameter, whose new value would replace the instance.
    expect(Object.keys(template.toJSON().Parameters)).toEqual(['BootstrapVersion']);
  });

  test('the instance is hardened: IMDSv2 only, encrypted root volume, no key pair, Session Manager access', () => {
    const [, instance] = only(template, 'AWS::EC2::Instance');
    expect(instance.Properties.KeyName).toBeUndefined();
    expect(instance.Properties.BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true, Encrypted: true, VolumeSize: 20, VolumeType: 'gp3' } },
    ]);
    expect(instance.Properties.MetadataOptions).toEqual({ HttpTokens: 'required' });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] },
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] }],
    });
  });

  test('runs the web app, PostgreSQL and Redis on the same host, the data services on localhost only', () => {
    const [, instance] = only(template, 'AWS::EC2::Instance');
    const script = userDataText(instance.Properties.UserData);
    expect(script).toContain('dnf install -y postgresql15-server redis6');
    expect(script).toContain('systemctl enable --now postgresql redis6');
    expect(script).toContain('systemctl enable zero-to-millions\nsystemctl restart zero-to-millions');
    // The app reaches PostgreSQL over its local socket as its own system user: no password exists.
    expect(script).toContain('DATA_STORE=postgresql-local\nDB_HOST=/var/run/postgresql\nDB_NAME=app\nDB_USER=ztm\nCACHE_URL=redis://127.0.0.1:6379');
    expect(script).toContain('runuser -u postgres -- createdb -O ztm app');
    // Nothing but port 80 is open, so neither 5432 nor 6379 is reachable from outside.
    expect(ingressRules(template).map((r) => [r.from, r.fromPort, r.toPort])).toEqual([['0.0.0.0/0', 80, 80]]);
  });

  test('only HTTP on port 80 is open to the world: no SSH, nothing else', () => {
    expect(ingressRules(template)).toHaveLength(1);
    expect(ingressRules(template).some((r) => r.fromPort <= 22 && r.toPort >= 22)).toBe(false);
  });

  test('the deployment waits until the app answers /healthz, and rolls back otherwise', () => {
    const [id, instance] = only(template, 'AWS::EC2::Instance');
    expect(instance.CreationPolicy).toEqual({ ResourceSignal: { Timeout: 'PT15M' } }); // one signal, the default
    const script = userDataText(instance.Properties.UserData);
    expect(script).toContain(`cfn-signal --stack Stage1-SingleServer --resource ${id} --region us-east-1 -e $exitCode`);
    expect(script).toMatch(/curl -sf -o \/dev\/null --retry 30 .* http:\/\/127\.0\.0\.1:80\/healthz$/m);
  });

  test('the one instance holds the data: termination protection follows deletionProtection, and user data changes do not replace it', () => {
    expect(only(template, 'AWS::EC2::Instance')[1].Properties.DisableApiTermination).toBe(true);
    expect(only(templateOf(1, { deletionProtection: 'false' }), 'AWS::EC2::Instance')[1].Properties.DisableApiTermination).toBe(false);
    const [id] = only(template, 'AWS::EC2::Instance');
    expect(id).toBe('ServerInstanceE518391B'); // no user-data hash in the id: a change would replace it
  });

  test('api.<domain> is a weighted A record pointing at the Elastic IP of the instance', () => {
    const [eipId, eip] = only(template, 'AWS::EC2::EIP');
    expect(eip.Properties.InstanceId).toEqual({ Ref: only(template, 'AWS::EC2::Instance')[0] });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'api.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0000000000000EXAMPLE',
      ResourceRecords: [{ Ref: eipId }],
      TTL: '60',
      SetIdentifier: 'Stage1-SingleServer',
      Weight: 100,
    });
  });

  test('must not contain: RDS, DynamoDB, a load balancer, an Auto Scaling group, NAT gateways or private subnets', () => {
    for (const type of [
      'AWS::RDS::DBInstance',
      'AWS::DynamoDB::Table',
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      'AWS::AutoScaling::AutoScalingGroup',
      'AWS::ECS::Service',
      'AWS::EC2::NatGateway',
    ]) {
      expect([type, resources(template, type)]).toEqual([type, []]);
    }
    expect(resources(template, 'AWS::EC2::Subnet').map(([id]) => subnetTier(template, { Ref: id }))).toEqual(['Public', 'Public']);
  });

  test('outputs its URL and the record it owns', () => {
    template.hasOutput('Url', { Value: 'http://api.example.com/' });
    template.hasOutput('Record', { Value: 'api.example.com A weighted, set identifier Stage1-SingleServer, weight 100' });
  });
});
