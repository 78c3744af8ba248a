/** Where sessions live once the web tier is stateless (stage 6 and up). */
import { Duration } from 'aws-cdk-lib';
import type { ManagedCache } from '../../constructs/cache-tier';
import { CacheSessions, type SessionStore, TableSessions } from '../../constructs/session-store';
import type { StageStack } from '../stage-stack';

/** The managed cache with `rds`, a DynamoDB table of their own with `dynamodb`. */
export function sharedSessions(stack: StageStack, cache: ManagedCache): SessionStore {
  const ttl = Duration.hours(stack.config.sessionTtlHours);
  return stack.config.dataStore === 'rds' ? new CacheSessions(cache, ttl) : new TableSessions(stack, 'Sessions', { ttl });
}
