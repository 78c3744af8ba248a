import { templateOf } from '../support/synth-cache';
import { idOf, ingressRules, only, resources } from '../support/template';
import { describeLoadBalancedFront, webTierOf } from './load-balanced-front';

describe('Stage 3 — load balancer and horizontal scaling', () => {
  describeLoadBalancedFront(3);

  describe("its data tier is stage 2's", () => {
    test.each(['ec2', 'ecs'])('with webTier=%s, one RDS instance in one zone admits only the web tier', (webTier) => {
      const template = templateOf(3, { webTier });
      const [, database] = only(template, 'AWS::RDS::DBInstance');
      const databaseGroup = idOf(database.Properties.VPCSecurityGroups[0]);
      expect(database.Properties.MultiAZ).toBe(false);
      expect(ingressRules(template).filter((r) => r.group === databaseGroup)).toEqual([
        { group: databaseGroup, from: webTierOf(template).group, fromPort: 5432, toPort: 5432 },
      ]);
    });

    test("must not contain an Aurora cluster or a rotation schedule: those are stage 4's", () => {
      expect(resources(templateOf(3), 'AWS::RDS::DBCluster')).toEqual([]);
      expect(resources(templateOf(3), 'AWS::SecretsManager::RotationSchedule')).toEqual([]);
    });
  });
});
