import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/**
 * Requests one client IP may send in a rate-based rule's window before WAF blocks it for the
 * rest of the window. The shop limits sign-in attempts itself (LOGIN_RATE_LIMIT_PER_MINUTE);
 * these are the coarse floor that keeps a flood off the instances and the database.
 */
export const rateLimits = {
  /** Sign-in, sign-up, password changes: 60 a minute is far beyond any person. */
  auth: { path: '/api/auth/', requestsPerWindow: 300 },
  /** Placing orders: 20 a minute per address (a shared office NAT stays well below it). */
  checkout: { path: '/api/checkout', requestsPerWindow: 100 },
  /** WAF counts over this window (AWS WAF Developer Guide, "Rate-based rule statement"). */
  windowSeconds: 300,
} as const;

/** AWS managed rule groups, in evaluation order (AWS WAF Developer Guide, "AWS Managed Rules rule groups list"). */
export const managedRuleGroups = ['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet'] as const;

/**
 * The common rule set blocks request bodies over 8 KB (SizeRestrictions_BODY). Product images
 * are uploaded to /api/admin as multipart bodies up to MEDIA_MAX_BYTES, so that one rule only
 * counts; the shop caps bodies itself.
 */
const countedRules: Partial<Record<(typeof managedRuleGroups)[number], string[]>> = {
  AWSManagedRulesCommonRuleSet: ['SizeRestrictions_BODY'],
};

const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  sampledRequestsEnabled: true,
  metricName,
});

/**
 * The WAF web ACL in front of CloudFront. A CLOUDFRONT-scope web ACL must be created in
 * us-east-1 (AWS WAF Developer Guide, "Creating a web ACL"), so this lives in the EdgeFirewall
 * stack there. Every rule publishes CloudWatch metrics (namespace AWS/WAFV2, region us-east-1)
 * and keeps sampled requests; full request logging is left out (its cost grows with traffic).
 */
export class EdgeFirewall extends Construct {
  public readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const managed: wafv2.CfnWebACL.RuleProperty[] = managedRuleGroups.map((name, priority) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          ...(countedRules[name] ? { ruleActionOverrides: countedRules[name].map((rule) => ({ name: rule, actionToUse: { count: {} } })) } : {}),
        },
      },
      visibilityConfig: visibility(name),
    }));
    const rateBased = (name: string, priority: number, limit: { path: string; requestsPerWindow: number }): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      action: { block: {} },
      statement: {
        rateBasedStatement: {
          limit: limit.requestsPerWindow,
          evaluationWindowSec: rateLimits.windowSeconds,
          aggregateKeyType: 'IP',
          scopeDownStatement: {
            byteMatchStatement: {
              fieldToMatch: { uriPath: {} },
              positionalConstraint: 'STARTS_WITH',
              searchString: limit.path,
              textTransformations: [{ priority: 0, type: 'NONE' }],
            },
          },
        },
      },
      visibilityConfig: visibility(name),
    });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      description: 'Evermall: AWS managed rules and per-IP rate limits on sign-in and checkout',
      visibilityConfig: visibility('evermall-edge'),
      rules: [...managed, rateBased('RateLimitAuth', managed.length, rateLimits.auth), rateBased('RateLimitCheckout', managed.length + 1, rateLimits.checkout)],
    });
  }
}
