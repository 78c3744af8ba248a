/** The session stores (lib/constructs/session-store.ts): the table one, on a bare stack; the cache one in the stage 6 tests. */
import { fixtureTemplate } from '../support/synth-cache';
import { only, resources, statementsOf } from '../support/template';

const template = fixtureTemplate('session-store/table');
const [tableId, table] = only(template, 'AWS::DynamoDB::Table');

test('a table keyed by session id, on demand, encrypted, expired by DynamoDB on expiresAt', () => {
  expect(table.Properties).toEqual({
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
    TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    SSESpecification: { SSEEnabled: true },
  });
});

test('not kept, not backed up, not protected: sessions end by design, and are not the business data', () => {
  expect([table.DeletionPolicy, table.UpdateReplacePolicy]).toEqual(['Delete', 'Delete']);
  expect(table.Properties.PointInTimeRecoverySpecification).toBeUndefined();
});

test('the web tier may get, put, update and delete sessions, on this table only: no scan, no query', () => {
  const [roleId] = resources(template, 'AWS::IAM::Role').find(([id]) => id.startsWith('WebRole'))!;
  expect(statementsOf(template, roleId)).toEqual([
    {
      Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
    },
  ]);
});
