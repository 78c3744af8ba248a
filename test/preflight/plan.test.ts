import { loadConfig } from '../../lib/config';
import { cdkJsonContext } from '../../lib/config/context';
import { describePlan } from '../../lib/preflight';
import { stageOf } from '../support/synth-cache';
import { LOAD_BALANCED_ALTERED, SINGLE_SERVER_ALTERED, WEIGHTS } from '../support/variants';

const CDK_JSON_CONTEXT = cdkJsonContext();

test('the plan lists, per stage, what cdk deploy would create, read from the synthesized templates', () => {
  const plan = describePlan(
    [stageOf(1, SINGLE_SERVER_ALTERED), stageOf(3, LOAD_BALANCED_ALTERED)],
    loadConfig({ ...CDK_JSON_CONTEXT, weight: WEIGHTS, stages: '1,3' }),
  );
  expect(plan[0]).toMatch(
    /^Stage1-SingleServer: \d+ resources in 123456789012\/us-east-1, record api.example.com weight 0 \(set identifier Stage1-SingleServer\)$/,
  );
  expect(plan).toContain('      1 AWS::EC2::Instance');
  expect(plan.find((l) => l.startsWith('Stage3'))).toMatch(/record api.example.com weight 255 /);
  expect(plan).toContain('      1 AWS::ElasticLoadBalancingV2::LoadBalancer');
});
