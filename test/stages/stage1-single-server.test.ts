import { templateOf } from '../support/synth-cache';
import { ingressRules, only, resources, subnetTier, userDataText } from '../support/template';
import { REAL_PLACE, SINGLE_SERVER_ALTERED } from '../support/variants';

describe('Stage 1 — single server', () => {
  const template = templateOf(1);
  const [instanceId, instance] = only(template, 'AWS::EC2::Instance');

  test('has exactly one web server, of the configured type, in a public subnet', () => {
    expect(instance.Properties.InstanceType).toBe('t3.small');
    expect(subnetTier(template, instance.Properties.SubnetId)).toBe('Public');
    expect(only(templateOf(1, SINGLE_SERVER_ALTERED), 'AWS::EC2::Instance')[1].Properties.InstanceType).toBe('m7g.large');
  });

  test('runs the web app, PostgreSQL and Valkey on the same host, the data services on localhost only', () => {
    const script = userDataText(instance.Properties.UserData);
    expect(script).toContain('ZTM_LOCAL_DATA=true');
    expect(script).toContain('retry dnf install -y postgresql15-server valkey');
    // The app reaches PostgreSQL over its local socket as its own system user: no password exists.
    expect(script).toContain(
      'DATA_STORE=postgresql-local\nDB_HOST=/var/run/postgresql\nDB_NAME=app\nDB_USER=ztm\nCACHE_URL=redis://127.0.0.1:6379',
    );
    // Nothing but port 80 is open, so neither 5432 nor 6379 is reachable from outside.
    expect(ingressRules(template).map((r) => [r.from, r.fromPort, r.toPort])).toEqual([['0.0.0.0/0', 80, 80]]);
  });

  test('the one instance holds the data: no stack operation deletes it while deletionProtection is on, yet a failed first boot rolls back', () => {
    expect(instanceId).toBe('ServerInstanceE518391B'); // no user-data hash in the id: a change would replace it
    expect([instance.DeletionPolicy, instance.UpdateReplacePolicy, instance.Properties.DisableApiTermination]).toEqual([
      'RetainExceptOnCreate',
      'Retain',
      false,
    ]);
    const [, unprotected] = only(templateOf(1, SINGLE_SERVER_ALTERED), 'AWS::EC2::Instance');
    expect([unprotected.DeletionPolicy, unprotected.UpdateReplacePolicy]).toEqual([undefined, undefined]);
  });

  test('api.<domain> is a weighted A record pointing at the Elastic IP of the instance', () => {
    const [eipId, eip] = only(template, 'AWS::EC2::EIP');
    expect(eip.Properties.InstanceId).toEqual({ Ref: instanceId });
    expect(only(template, 'AWS::Route53::RecordSet')[1].Properties).toMatchObject({
      Name: 'api.example.com.',
      Type: 'A',
      ResourceRecords: [{ Ref: eipId }],
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

  test('a change to its script updates the instance in place (the data stays on it), and the verification runs again after the restart', () => {
    // Elsewhere (another region and domain) the script differs, and the instance keeps its logical id.
    const elsewhere = templateOf(1, REAL_PLACE);
    const [movedId, moved] = only(elsewhere, 'AWS::EC2::Instance');
    expect(movedId).toBe(instanceId);
    expect(userDataText(moved.Properties.UserData)).not.toBe(userDataText(instance.Properties.UserData));
    // Its id identifies it only when it is replaced: the digest of its properties is what changes.
    const [, trigger] = only(template, 'Custom::Trigger');
    const [, movedTrigger] = only(elsewhere, 'Custom::Trigger');
    expect([trigger.Properties.Serving, movedTrigger.Properties.Serving]).toEqual([[{ Ref: instanceId }], [{ Ref: instanceId }]]);
    expect(movedTrigger.Properties.ServingDigest).not.toBe(trigger.Properties.ServingDigest);
  });

  test('outputs its URL and the record it owns', () => {
    expect(template.Outputs).toMatchObject({
      Url: { Value: 'http://api.example.com/' },
      Record: { Value: 'api.example.com A weighted, set identifier Stage1-SingleServer, weight 100' },
    });
  });
});
