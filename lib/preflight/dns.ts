/**
 * Preflight's DNS checks: the ways a stage deployment goes wrong in DNS. Each problem is one line
 * that says what is wrong and how to fix it.
 *
 * - the hosted zone exists, is public, and is the zone of `domainName`;
 * - the domain's public NS delegation is the zone's name servers (otherwise ACM's DNS validation of
 *   the certificate waits for hours and the stage never becomes reachable by name);
 * - no record that is not weighted already holds the stage's name (the weighted record could not be
 *   created next to it).
 */
import { GetHostedZoneCommand, type GetHostedZoneCommandOutput, type Route53Client } from '@aws-sdk/client-route-53';
import { recordSetsNamed, targetOf } from '../../lambda/shared/records';
import { type Clock, retrying } from '../../lambda/shared/retry';
import type { Config } from '../config';
import type { CheckResult } from './result';

export interface DnsDeps {
  readonly route53: Pick<Route53Client, 'send'>;
  /** The domain's public name servers, as the world's resolvers see them. */
  resolveNs(domain: string): Promise<string[]>;
  readonly clock: Clock;
}

/** Resolver errors that say nothing about the domain: the question never got its answer. */
const RESOLVER_UNREACHABLE = ['ETIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'EREFUSED', 'ECANCELLED'];

const bare = (name: string) => name.toLowerCase().replace(/\.$/, '');

export async function dnsChecks(config: Config, deps: DnsDeps): Promise<CheckResult> {
  const problems: string[] = [];
  const passed: string[] = [];
  const domain = bare(config.domainName);
  const apiName = `${config.recordName}.${domain}`;

  let zone: GetHostedZoneCommandOutput;
  try {
    zone = await retrying(() => deps.route53.send(new GetHostedZoneCommand({ Id: config.hostedZoneId })), deps.clock);
  } catch (error) {
    if ((error as { name?: string }).name !== 'NoSuchHostedZone') throw error;
    problems.push(
      `hostedZoneId ${config.hostedZoneId} does not exist in this account: create a public hosted zone for ${domain}, or set hostedZoneId to its id (aws route53 list-hosted-zones-by-name --dns-name ${domain})`,
    );
    return { problems, passed };
  }

  const zoneName = bare(zone.HostedZone?.Name ?? '');
  if (zoneName !== domain) {
    problems.push(
      `hosted zone ${config.hostedZoneId} is for ${zoneName}, not for domainName ${domain}: set hostedZoneId to the zone of ${domain} (aws route53 list-hosted-zones-by-name --dns-name ${domain}), or domainName to ${zoneName}`,
    );
    return { problems, passed };
  }
  if (zone.HostedZone?.Config?.PrivateZone) {
    problems.push(
      `hosted zone ${config.hostedZoneId} (${domain}) is private: clients on the internet cannot resolve ${apiName}; use the public zone of ${domain}`,
    );
    return { problems, passed };
  }
  passed.push(`hosted zone ${config.hostedZoneId} is the public zone of ${domain}`);

  const zoneServers = (zone.DelegationSet?.NameServers ?? []).map(bare).sort();
  let delegated: string[] = [];
  try {
    delegated = (await deps.resolveNs(domain)).map(bare).sort();
  } catch (error) {
    const code = (error as { code?: string }).code;
    problems.push(
      code !== undefined && RESOLVER_UNREACHABLE.includes(code)
        ? `the DNS resolver did not answer for ${domain}'s name servers (${code}), so its delegation is unchecked: check the network connection and the resolver (/etc/resolv.conf), then run preflight again`
        : `${domain} has no public NS delegation (${code ?? (error as Error).message}): at the registrar, set its name servers to ${zoneServers.join(', ')}`,
    );
  }
  if (delegated.length > 0) {
    if (delegated.join(',') === zoneServers.join(',')) {
      passed.push(`${domain} is delegated to the zone's name servers (${zoneServers.join(', ')})`);
    } else {
      problems.push(
        `${domain} is delegated to ${delegated.join(', ')}, but the zone's name servers are ${zoneServers.join(', ')}: set the domain's name servers at the registrar to the zone's, or the certificate's DNS validation waits for hours`,
      );
    }
  }

  const existing = await recordSetsNamed(deps.route53, config.hostedZoneId, apiName, deps.clock);
  const blocking = existing.filter(
    (r) => ['A', 'AAAA', 'CNAME'].includes(r.Type ?? '') && (r.SetIdentifier === undefined || r.Type === 'CNAME'),
  );
  for (const record of blocking) {
    problems.push(
      `${apiName} already has ${record.Type === 'A' || record.Type === 'AAAA' ? 'an' : 'a'} ${record.Type} record that is not weighted (${targetOf(record).join(', ')}): the stage's weighted A record cannot be created next to it; delete it, or recreate it as a weighted record with its own set identifier`,
    );
  }
  const weighted = existing.filter((r) => r.Type === 'A' && r.SetIdentifier !== undefined);
  if (blocking.length === 0) {
    passed.push(
      weighted.length === 0
        ? `no record holds ${apiName} yet`
        : `${apiName} has weighted records ${weighted.map((r) => `${r.SetIdentifier} (weight ${r.Weight})`).join(', ')}; each stage owns the one with its stack name`,
    );
  }
  return { problems, passed };
}
