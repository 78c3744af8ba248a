import { Stack, Tags, Validations } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { Config, placeholdersIn, STAGES, StageNumber } from '../config';
import { ApiRecord } from '../constructs/api-record';
import { WebAppProps } from '../constructs/web-app';

/** The warning a stack carries while the configuration holds placeholders (acknowledge it with `Annotation::<this>`). */
export const PLACEHOLDER_WARNING = 'zero-to-millions:placeholder-configuration';

/**
 * What every stage stack shares: its name, its environment (always explicit, so synth never asks
 * AWS), its tags, the imported hosted zone, and the weighted record it publishes the API under.
 */
export abstract class StageStack extends Stack {
  readonly stage: StageNumber;
  readonly config: Config;
  readonly zone: route53.IHostedZone;
  /** The name clients resolve, such as `api.example.com`. */
  readonly apiDomainName: string;

  protected constructor(scope: Construct, stage: StageNumber, config: Config, description: string) {
    const { stackName, title } = STAGES[stage];
    super(scope, stackName, {
      env: { account: config.account, region: config.region },
      description: `zero-to-millions stage ${stage}, ${title.toLowerCase()}: ${description}`,
    });
    this.stage = stage;
    this.config = config;
    this.apiDomainName = `${config.recordName}.${config.domainName}`;

    Tags.of(this).add('zero-to-millions:stage', stackName);
    Tags.of(this).add('zero-to-millions:project', 'zero-to-millions');

    // Imported by id and name: a lookup would need credentials at synth.
    this.zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: config.hostedZoneId,
      zoneName: config.domainName,
    });

    const placeholders = placeholdersIn(config);
    if (placeholders.length > 0) {
      Validations.of(this).addWarning(
        PLACEHOLDER_WARNING,
        `${placeholders.join(', ')} still hold placeholder values: this stack synthesizes but cannot deploy. Set them in cdk.json or with -c.`,
      );
    }
  }

  /**
   * The configured zones. Constructs that ask the stack for its zones would otherwise make synth
   * look them up in the account, which needs credentials.
   */
  override get availabilityZones(): string[] {
    return [...this.config.availabilityZones];
  }

  /** What the web app of this stage reports about itself. */
  protected webApp(dataStore: string, environment: Record<string, string>): WebAppProps {
    return { stage: this.stackName, dataStore, environment: { STAGE: this.stackName, ...environment } };
  }

  /** Publishes the API under `<recordName>.<domainName>` with this stage's weight. */
  protected publishApi(target: route53.RecordTarget, scheme: 'http' | 'https'): ApiRecord {
    return new ApiRecord(this, 'Api', {
      zone: this.zone,
      recordName: this.config.recordName,
      target,
      weight: this.config.weight[`${this.stage}`],
      setIdentifier: this.stackName,
      scheme,
    });
  }
}
