import { Tags, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { shopClientSecretName } from './constructs/user-pool.js';
import { acknowledgeNagFindings } from './nag-acknowledgements.js';
import { readParameters, type Parameters } from './parameters.js';
import { addRecoveryRegion, edgeRecoveryProps, type RecoveryStacks } from './recovery.js';
import { acknowledgeRecoveryNagFindings } from './recovery-nag-acknowledgements.js';
import { AppStack } from './stacks/app-stack.js';
import { DataStack } from './stacks/data-stack.js';
import { EdgeFirewallStack } from './stacks/edge-firewall-stack.js';
import { EdgeStack } from './stacks/edge-stack.js';
import { FailoverStack } from './stacks/failover-stack.js';
import { IdentityStack } from './stacks/identity-stack.js';
import { NetworkStack } from './stacks/network-stack.js';
import { ObservabilityStack } from './stacks/observability-stack.js';

/** With parameter recovery=replica, also the recovery region's stacks (RecoveryStacks). */
export interface EvermallStacks extends Partial<RecoveryStacks> {
  readonly parameters: Parameters;
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly app: AppStack;
  readonly edge: EdgeStack;
  /** The CloudFront WAF web ACL (us-east-1). */
  readonly edgeFirewall: EdgeFirewallStack;
  readonly observability: ObservabilityStack;
  /** Only with a domain: Route 53 failover lives in us-east-1. */
  readonly failover?: FailoverStack;
  /** Sign-in (Cognito), deployed after the edge and failover stacks. */
  readonly identity: IdentityStack;
}

/**
 * Composes the Evermall stacks from the parameters in the app's context. Stacks carry a region
 * and no account, so synthesis needs no credentials and looks nothing up.
 */
export function createEvermall(app: App): EvermallStacks {
  const parameters = readParameters(app.node);
  const { stackPrefix: prefix, region, settings, domain } = parameters;
  const env = { region };
  const description = (what: string) => `Evermall (${parameters.profile}): ${what}`;

  const network = new NetworkStack(app, `${prefix}-Network`, {
    env,
    description: description('VPC and security groups'),
    natGateways: settings.natGateways,
    httpsListener: domain !== undefined,
    compute: parameters.compute,
  });
  const data = new DataStack(app, `${prefix}-Data`, {
    env,
    description: description('RDS PostgreSQL Multi-AZ, ElastiCache Valkey, EFS media, AWS Backup'),
    vpc: network.network.vpc,
    appSecurityGroup: network.securityGroups.app,
    databaseRolesSecurityGroup: network.securityGroups.databaseRoles,
    eventConsumersSecurityGroup: network.securityGroups.eventConsumers,
    cacheSecurityGroup: network.securityGroups.cache,
    cacheReplicas: parameters.cacheReplicas,
    settings,
    iamDatabaseAuth: parameters.iamDatabaseAuth,
    secretRotationDays: parameters.secretRotationDays,
    deletionProtection: parameters.deletionProtection,
    compute: parameters.compute,
    // The recovery region's stacks read the database, its logins and the cache (recovery.ts).
    crossRegionReferences: parameters.recovery !== undefined,
    // Off for a first deploy only: CDK deletes a stack whose creation failed before retrying,
    // which termination protection would refuse (infra/README.md, "A first deploy that can be retried").
    terminationProtection: parameters.deletionProtection,
  });
  const appStack = new AppStack(app, `${prefix}-App`, {
    env,
    description: description(parameters.compute === 'eks' ? 'ALB, shop EKS cluster and chart, backup-site bucket' : 'ALB, shop Auto Scaling group, backup-site bucket'),
    vpc: network.network.vpc,
    loadBalancerSecurityGroup: network.securityGroups.loadBalancer,
    appSecurityGroup: network.securityGroups.app,
    eventConsumersSecurityGroup: network.securityGroups.eventConsumers,
    ...(parameters.mailFrom ? { mailFrom: parameters.mailFrom } : {}),
    database: data.database,
    media: data.media,
    paymentSecret: data.paymentProvider.secret,
    cache: data.cache,
    shopClientSecretName: shopClientSecretName(prefix),
    ...(parameters.shopImageId ? { shopImageId: parameters.shopImageId } : {}),
    settings,
    ...(domain ? { domain } : {}),
    originVerifyRotation: parameters.originVerifyRotation,
    deletionProtection: parameters.deletionProtection,
    bootMigrates: parameters.bootMigrates,
    ...(parameters.flashSale ? { flashSale: parameters.flashSale } : {}),
    ...(parameters.eks && data.registry ? { eks: { ...parameters.eks, repository: data.registry.repository } } : {}),
    crossRegionReferences: parameters.recovery !== undefined,
  });
  const edgeFirewall = new EdgeFirewallStack(app, `${prefix}-EdgeFirewall`, {
    env: { region: 'us-east-1' },
    description: description('WAF web ACL for CloudFront (us-east-1)'),
  });
  const edge = new EdgeStack(app, `${prefix}-Edge`, {
    env,
    webAclArn: edgeFirewall.firewall.webAcl.attrArn,
    description: description('CloudFront and the storefront'),
    loadBalancer: appStack.loadBalancer.alb,
    originVerifySecret: appStack.originVerify.secret,
    originVerifyRotation: parameters.originVerifyRotation,
    backupSite: appStack.backupSite,
    ...(domain ? { domain } : {}),
    ...(domain && parameters.recovery ? { recovery: edgeRecoveryProps(prefix, parameters.recovery, domain) } : {}),
  });
  const observability = new ObservabilityStack(app, `${prefix}-Observability`, {
    env,
    description: description('alarms, dashboard and AWS FIS experiment templates'),
    vpc: network.network.vpc,
    ...(parameters.alarmEmail ? { alarmEmail: parameters.alarmEmail } : {}),
    loadBalancer: appStack.loadBalancer.alb,
    targetGroup: appStack.loadBalancer.targetGroup,
    ...(appStack.fleet ? { fleet: { autoScalingGroupName: appStack.fleet.group.autoScalingGroupName, events: appStack.fleet.events } } : {}),
    backupSiteMetricDimension: appStack.backupSiteMetricDimension,
    shopInstanceTag: appStack.shopInstanceTag,
    database: data.database.instance,
    ...(data.database.readReplica ? { readReplica: data.database.readReplica } : {}),
    allocatedStorageGiB: settings.allocatedStorageGiB,
    fileSystem: data.media.fileSystem,
    cacheNodeIds: data.cache.nodeIds,
    eventConsumers: appStack.orderEvents.consumers.map((c) => ({ name: c.spec.name, queue: c.queue, deadLetterQueue: c.deadLetterQueue })),
    resizeFailures: appStack.mediaPipeline.failures,
  });
  let failover: FailoverStack | undefined;
  if (domain) {
    failover = new FailoverStack(app, `${prefix}-Failover`, {
      env: { region: 'us-east-1' },
      description: description('Route 53 failover and its health-check alarm (us-east-1)'),
      domain,
      appRegion: region,
      ...(parameters.alarmEmail ? { alarmEmail: parameters.alarmEmail } : {}),
    });
    // The PRIMARY record aliases api.<domain>, which the edge stack creates.
    failover.addStackDependency(edge);
  }
  const identity = new IdentityStack(app, `${prefix}-Identity`, {
    env,
    description: description('Cognito user pool, managed login, social sign-in and the shop client'),
    stackPrefix: prefix,
    shopOrigin: domain ? `https://${domain.spaDomainName}` : `https://${edge.spa.distribution.distributionDomainName}`,
    ...(domain
      ? {
          domain: {
            domainName: domain.authDomainName,
            certificateArn: domain.authCertificateArn,
            hostedZoneId: domain.hostedZoneId,
            hostedZoneName: domain.hostedZoneName,
          },
        }
      : {}),
    identityProviderClientIds: parameters.identityProviderClientIds,
    deletionProtection: parameters.deletionProtection,
    terminationProtection: parameters.deletionProtection,
  });
  // Cognito creates auth.<domain> only once <domain> has an A record (Developer Guide, "Troubleshoot
  // Amazon Cognito": the parent domain needs one), which the failover stack makes.
  if (failover) identity.addStackDependency(failover);
  const recovery = domain && parameters.recovery ? addRecoveryRegion(app, { ...parameters, recovery: parameters.recovery, domain }, { data, app: appStack, edge }) : undefined;

  for (const stack of [network, data, appStack, edgeFirewall, edge, observability, failover, identity, ...Object.values(recovery ?? {})]) {
    if (!stack) continue;
    // Resource types whose Tags property is newer than cfn-lint's CloudFormation schema; they
    // carry no cost, so tagging them buys nothing.
    const excludeResourceTypes = ['AWS::CloudWatch::Dashboard', 'AWS::ElasticLoadBalancingV2::Listener', 'AWS::ElasticLoadBalancingV2::ListenerRule'];
    Tags.of(stack).add('project', 'evermall', { excludeResourceTypes });
    Tags.of(stack).add('profile', parameters.profile, { excludeResourceTypes });
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  acknowledgeNagFindings(
    { network, data, app: appStack, edgeFirewall, edge, observability, identity, ...(failover ? { failover } : {}) },
    {
      region,
      withDomain: domain !== undefined,
      readReplica: settings.readReplica,
      deletionProtection: parameters.deletionProtection,
      bakesImage: parameters.compute === 'ec2' && parameters.shopImageId === undefined,
      compute: parameters.compute,
      eventConsumerFunctions: appStack.orderEvents.consumers.flatMap((c) => (c.function ? [c.spec.name] : [])),
    },
  );
  if (recovery) acknowledgeRecoveryNagFindings({ data, app: appStack, edge, ...recovery }, { stackPrefix: prefix, recoveryRegion: recovery.recoveryData.region });
  return { parameters, network, data, app: appStack, edgeFirewall, edge, observability, identity, ...(failover ? { failover } : {}), ...recovery };
}
