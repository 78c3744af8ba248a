#!/usr/bin/env node
/**
 * npm run preflight [-- -c key=value ...]: checks the hosted zone, the domain's delegation, the
 * stage's record name, what the stage takes its data from (a snapshot, a table) and, for the CDN
 * stages, the CDK bootstrap in us-east-1 and who holds the API name at CloudFront, with your AWS
 * credentials before any deploy, and prints what `cdk deploy` would create. Takes the same
 * configuration as `cdk synth`. Exits 0 when nothing blocks a deploy.
 */
import { promises as dns } from 'node:dns';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SSMClient } from '@aws-sdk/client-ssm';
import { App } from 'aws-cdk-lib';
import { realClock } from '../lambda/shared/retry';
import { buildApp } from '../lib/app';
import { ConfigError } from '../lib/config';
import { cdkJsonContext, contextFlags } from '../lib/config/context';
import { announceNodeVersion } from '../lib/node-version';
import { describePlan, isCredentialsError, preflight } from '../lib/preflight';
import { exitAfterOutput } from './exit';

async function main(): Promise<number> {
  announceNodeVersion();
  const { context, rest } = contextFlags(process.argv.slice(2));
  if (rest.length > 0) throw new Error(`preflight takes only -c key=value (or --context key=value); got ${JSON.stringify(rest.join(' '))}`);
  const app = new App({
    context: { ...cdkJsonContext(), ...context, 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  const stacks = buildApp(app, { nag: false });
  const config = stacks[0].config;

  const route53 = new Route53Client({ region: 'us-east-1', maxAttempts: 1 });
  const rds = new RDSClient({ region: config.region, maxAttempts: 1 });
  const dynamodb = new DynamoDBClient({ region: config.region, maxAttempts: 1 });
  let result: Awaited<ReturnType<typeof preflight>>;
  try {
    const cloudfront = new CloudFrontClient({ region: 'us-east-1', maxAttempts: 1 });
    const ssm = (region: string) => new SSMClient({ region, maxAttempts: 1 });
    result = await preflight(config, {
      route53,
      rds,
      dynamodb,
      cloudfront,
      ssm,
      resolveNs: (domain) => dns.resolveNs(domain),
      clock: realClock,
    });
  } catch (error) {
    if (!isCredentialsError(error)) throw error;
    process.stderr.write(
      `preflight needs AWS credentials that can read Route 53, RDS snapshots, DynamoDB tables, CloudFront distributions and SSM parameters (${(error as Error).name}): configure a profile or AWS_* variables, then run it again.\n`,
    );
    return 2;
  }

  for (const line of result.passed) process.stdout.write(`ok       ${line}\n`);
  for (const line of result.problems) process.stdout.write(`PROBLEM  ${line}\n`);
  const assembly = app.synth();
  const templates = stacks.map((stack) => ({
    stackName: stack.stackName,
    stage: stack.stage,
    template: assembly.getStackArtifact(stack.artifactId).template,
  }));
  process.stdout.write(`\n\`cdk deploy\` would create:\n${describePlan(templates, config).join('\n')}\n`);
  process.stdout.write(
    result.problems.length === 0 ? '\nNothing blocks a deploy.\n' : `\n${result.problems.length} problem(s) block a deploy.\n`,
  );
  return result.problems.length === 0 ? 0 : 1;
}

main().then(exitAfterOutput, (error) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`);
  exitAfterOutput(1);
});
