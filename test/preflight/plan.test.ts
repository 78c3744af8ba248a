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
    /^Stage1-SingleServer: \d+ resources in 123456789012\/us-east-1, records api.example.com A weighted, set identifier Stage1-SingleServer, weight 0$/,
  );
  expect(plan).toContain('      1 AWS::EC2::Instance');
  expect(plan.find((l) => l.startsWith('Stage3'))).toMatch(
    /records api.example.com A weighted, set identifier Stage3-LoadBalanced, weight 255$/,
  );
  expect(plan).toContain('      1 AWS::ElasticLoadBalancingV2::LoadBalancer');
});

test('a CDN stage at weight 0 is planned with its own name: it publishes no record of the API name', () => {
  const [line] = describePlan([stageOf(6)], loadConfig({ ...CDK_JSON_CONTEXT, stages: '6' }));
  expect(line).toMatch(
    /^Stage6-Stateless: \d+ resources in 123456789012\/us-east-1, records stage6.api.example.com A and AAAA, not weighted; at weight 0 this stage does not carry api.example.com, and publishes no record of it$/,
  );
});
