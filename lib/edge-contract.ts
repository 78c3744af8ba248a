/**
 * What the edge's constructs, the checks and the tests agree on, in one place that loads no CDK.
 */

/** The AWS-managed prefix list of the addresses CloudFront reaches origins from. */
export const CLOUDFRONT_ORIGIN_FACING = 'com.amazonaws.global.cloudfront.origin-facing';

/** The answer a client over the firewall's rate limit gets (instead of WAF's default empty 403). */
export const RATE_LIMITED_BODY = JSON.stringify({ error: 'too many requests from this address; slow down and retry in a few minutes' });
