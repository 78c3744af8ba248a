/** The VPC of a stage (lib/constructs/network.ts), on a bare stack. */
import { fixtureTemplate } from '../support/synth-cache';
import { only, resources, subnetTier } from '../support/template';

describe('public only (stages 1 and 2 without a database)', () => {
  const template = fixtureTemplate('network/public-only');

  test('public subnets in the configured zones, and no NAT gateway to pay for', () => {
    const subnets = resources(template, 'AWS::EC2::Subnet');
    expect(subnets.map(([id, s]) => [subnetTier(template, { Ref: id }), s.Properties.AvailabilityZone])).toEqual([
      ['Public', 'us-east-1a'],
      ['Public', 'us-east-1b'],
    ]);
    expect(resources(template, 'AWS::EC2::NatGateway')).toEqual([]);
  });

  test('the default security group admits nothing, flow logs keep a month of all traffic', () => {
    expect(resources(template, 'Custom::VpcRestrictDefaultSG')).toHaveLength(1);
    expect(only(template, 'AWS::EC2::FlowLog')[1].Properties).toMatchObject({
      TrafficType: 'ALL',
      MaxAggregationInterval: 600,
      LogDestinationType: 'cloud-watch-logs',
    });
    expect(only(template, 'AWS::Logs::LogGroup')[1].Properties.RetentionInDays).toBe(30);
  });

  test('S3 and DynamoDB are reached through free gateway endpoints, not across the internet', () => {
    const endpoints = resources(template, 'AWS::EC2::VPCEndpoint').map(([, e]) => [
      e.Properties.VpcEndpointType,
      JSON.stringify(e.Properties.ServiceName),
    ]);
    expect(endpoints).toEqual([
      ['Gateway', expect.stringContaining('.s3')],
      ['Gateway', expect.stringContaining('.dynamodb')],
    ]);
  });

  test('snapshot', () => expect(template).toMatchSnapshot());
});

describe('every tier', () => {
  const template = fixtureTemplate('network/every-tier');

  test('public, private and isolated subnets in each of three zones, with the NAT gateways asked for', () => {
    const tiers = resources(template, 'AWS::EC2::Subnet').map(([id]) => subnetTier(template, { Ref: id }));
    expect(tiers.sort()).toEqual(['Isolated', 'Isolated', 'Isolated', 'Private', 'Private', 'Private', 'Public', 'Public', 'Public']);
    expect(resources(template, 'AWS::EC2::NatGateway')).toHaveLength(1);
  });

  test('isolated subnets have no route to the internet; private ones reach it only through NAT', () => {
    const routes = resources(template, 'AWS::EC2::Route');
    const isolatedRoutes = routes.filter(([id]) => id.includes('IsolatedSubnet'));
    expect(isolatedRoutes).toEqual([]);
    for (const [id, route] of routes.filter(([rid]) => rid.includes('PrivateSubnet'))) {
      expect([id, Object.keys(route.Properties).sort()]).toEqual([id, ['DestinationCidrBlock', 'NatGatewayId', 'RouteTableId']]);
    }
  });
});
