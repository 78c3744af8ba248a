import { Validations } from 'aws-cdk-lib';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { sdkCall } from './sdk-call';

/**
 * The id of an AWS-managed prefix list, found by name when the stack deploys. The id differs by
 * region and a context lookup would need credentials at synth, so an SDK call made by
 * CloudFormation (a custom resource) reads it instead; it can only read prefix lists.
 */
export class ManagedPrefixList extends Construct {
  readonly prefixListId: string;

  constructor(scope: Construct, id: string, prefixListName: string) {
    super(scope, id);
    const call: cr.AwsSdkCall = {
      service: 'EC2',
      action: 'describeManagedPrefixLists',
      parameters: { Filters: [{ Name: 'prefix-list-name', Values: [prefixListName] }] },
      physicalResourceId: cr.PhysicalResourceId.of(prefixListName),
      outputPaths: ['PrefixLists.0.PrefixListId'],
    };
    // ec2:DescribeManagedPrefixLists has no resource-level permissions: "*" is the only resource it takes.
    const lookup = sdkCall(this, 'Lookup', { onCreate: call, resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE });
    Validations.of(lookup).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeManagedPrefixLists supports no resource-level permissions; the role can only describe prefix lists.',
    });
    this.prefixListId = lookup.getResponseField('PrefixLists.0.PrefixListId');
  }
}
