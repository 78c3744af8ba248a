/**
 * The floor `npm run bench` measures synth against: an app of one resource, checked as the project's
 * app checks its stages (CloudFormation validation through the same cached plugin, cdk-nag's
 * AwsSolutions, the invariants). What a stage costs over it is the stage's own work, not the price of
 * loading the checks: a floor without validation would charge the validator's start-up to the stages,
 * and aws-cdk-lib's own validation plugin would start the validator even where the project's reads
 * every answer from the cache.
 */
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InvariantsPlugin } from '../lib/checks/invariants-plugin';
import { CachedCloudFormationValidation } from '../lib/checks/validation-cache';

const app = new App();
new CfnResource(new Stack(app, 'Floor', { env: { account: '123456789012', region: 'us-east-1' } }), 'Topic', { type: 'AWS::SNS::Topic' });
Validations.of(app).addPlugins(CachedCloudFormationValidation.instance(), new AwsSolutionsChecks(app), new InvariantsPlugin());
app.synth();
