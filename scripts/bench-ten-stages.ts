/**
 * What `npm run bench` synthesizes for "ten stages" while four are still to come: the app as
 * `cdk synth` builds it (stages 1–6, CloudFormation validation, cdk-nag and the invariants on), and
 * four stand-ins of comparable size — stages 3–6 again, with the Fargate tier and the table, in an
 * aws-cdk-lib `Stage` named StandIn (stacks `StandIn-Stage3-LoadBalanced` …), checked by the same
 * plugins. Not a journey stage: a measure of what four more stages of the same constructs cost.
 */
import { App, Stage } from 'aws-cdk-lib';
import { buildApp, stageStacks } from '../lib/app';
import { loadConfig } from '../lib/config';

const app = new App();
buildApp(app, { validation: true });
stageStacks(
  new Stage(app, 'StandIn'),
  loadConfig({ ...app.node.getAllContext(), webTier: 'ecs', dataStore: 'dynamodb', stages: '3,4,5,6' }),
);
app.synth();
