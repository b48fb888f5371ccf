import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as fis from 'aws-cdk-lib/aws-fis';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';

export interface FaultInjectionProps {
  readonly vpc: ec2.IVpc;
  /**
   * The tag every instance the shop runs on carries, and only those: `aws:autoscaling:groupName` =
   * the shop's Auto Scaling group on EC2, `eks:cluster-name` = the shop's cluster on EKS (EKS tags
   * every managed node with it).
   */
  readonly shopInstanceTag: { readonly key: string; readonly value: string };
  /** The Multi-AZ writer the failover experiment reboots. */
  readonly database: rds.IDatabaseInstance;
  /** Stops every experiment when it goes into ALARM (the ALB's 5xx rate: shoppers are being hurt). */
  readonly stopAlarm: cloudwatch.IAlarm;
}

/**
 * The AWS FIS counterpart of each twin drill (twin/src/drills): same fault, same name in the README
 * table, so the figures can be compared (infra/README.md, "Fault injection on AWS").
 */
export const experiments = {
  'instance-termination': { twinDrill: 'instance-crash', description: 'Terminate one running shop instance (the ASG replaces it)' },
  'az-power-interruption': {
    twinDrill: 'zone-outage',
    description: "One AZ loses power: its subnets' traffic is dropped and its shop instances stop, for 10 minutes",
  },
  'rds-failover': { twinDrill: 'db-failover', description: 'Reboot the RDS writer with failover to its Multi-AZ standby' },
  'cpu-stress': { twinDrill: 'scale-out', description: 'Load every shop instance CPU for 10 minutes (AWSFIS-Run-CPU-Stress): the fleet should scale out' },
} as const;

export type ExperimentName = keyof typeof experiments;

/** How long the AZ and CPU faults last (ISO 8601, as FIS takes it). */
export const faultDuration = 'PT10M';

/**
 * AWS FIS experiment templates, one per drill, each with the stop alarm and its own role holding
 * only what its actions need (AWS FIS User Guide, "Actions reference" and "IAM roles for AWS FIS
 * experiments"). Creating a template costs nothing; running one is billed per action-minute.
 */
export class FaultInjection extends Construct {
  public readonly templates: Record<ExperimentName, fis.CfnExperimentTemplate>;
  public readonly roles: Record<ExperimentName, iam.Role>;

  constructor(scope: Construct, id: string, props: FaultInjectionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const groupTag = { [props.shopInstanceTag.key]: props.shopInstanceTag.value };
    const instanceArns = stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' });
    // Only the shop's instances: the tag Auto Scaling (or EKS) puts on every instance of the group (or cluster).
    const onlyShopInstances = { StringEquals: { [`aws:ResourceTag/${props.shopInstanceTag.key}`]: props.shopInstanceTag.value } };
    const stopConditions = [{ source: 'aws:cloudwatch:alarm', value: props.stopAlarm.alarmArn }];
    const runningShopInstances = (selectionMode: string, extraFilters: fis.CfnExperimentTemplate.ExperimentTemplateTargetFilterProperty[] = []) => ({
      resourceType: 'aws:ec2:instance',
      resourceTags: groupTag,
      filters: [{ path: 'State.Name', values: ['running'] }, ...extraFilters],
      selectionMode,
    });

    const role = (name: ExperimentName, statements: iam.PolicyStatement[]) => {
      const r = new iam.Role(this, `${name}-role`, {
        assumedBy: new iam.ServicePrincipal('fis.amazonaws.com', {
          // Only experiments of this account may assume it (confused-deputy protection).
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
        description: `AWS FIS: the ${name} experiment's actions, nothing else`,
      });
      for (const statement of statements) r.addToPolicy(statement);
      return r;
    };
    // Resolving tag-selected instance targets needs DescribeInstances, which has no resource-level permissions.
    const describeInstances = new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] });

    // The writer's subnets in the first AZ, and the app and public ones there: the whole zone.
    const zone = props.vpc.availabilityZones[0]!;
    const zoneSubnets = [...props.vpc.publicSubnets, ...props.vpc.privateSubnets, ...props.vpc.isolatedSubnets].filter((s) => s.availabilityZone === zone);
    if (zoneSubnets.length === 0) throw new Error(`no subnet in ${zone}`);
    const subnetArn = (s: ec2.ISubnet) => stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: s.subnetId });
    const networkAclArns = stack.formatArn({ service: 'ec2', resource: 'network-acl', resourceName: '*' });
    const vpcArn = stack.formatArn({ service: 'ec2', resource: 'vpc', resourceName: props.vpc.vpcId });
    const fisManagedAcl = { StringEquals: { 'aws:RequestTag/managedByFIS': 'true' } };
    // An AWS-owned SSM document: no account in its ARN.
    const cpuStressDocument = stack.formatArn({
      service: 'ssm',
      account: '',
      resource: 'document',
      resourceName: 'AWSFIS-Run-CPU-Stress',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    this.roles = {
      'instance-termination': role('instance-termination', [
        describeInstances,
        new iam.PolicyStatement({ actions: ['ec2:TerminateInstances'], resources: [instanceArns], conditions: onlyShopInstances }),
      ]),
      'az-power-interruption': role('az-power-interruption', [
        describeInstances,
        new iam.PolicyStatement({ actions: ['ec2:StopInstances', 'ec2:StartInstances'], resources: [instanceArns], conditions: onlyShopInstances }),
        // Restarting an instance with encrypted EBS volumes (AWS FIS User Guide, aws:ec2:stop-instances).
        new iam.PolicyStatement({
          actions: ['kms:CreateGrant'],
          resources: [stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
          conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' }, StringEquals: { 'kms:ViaService': `ec2.${stack.region}.amazonaws.com` } },
        }),
        // aws:network:disrupt-connectivity swaps each subnet's network ACL for a deny-all one it
        // creates and tags managedByFIS, then swaps back and deletes it (the same statements as the
        // AWS managed policy AWSFaultInjectionSimulatorNetworkAccess, narrowed to this VPC and these subnets).
        new iam.PolicyStatement({ actions: ['ec2:CreateNetworkAcl'], resources: [vpcArn] }),
        new iam.PolicyStatement({ actions: ['ec2:CreateNetworkAcl'], resources: [networkAclArns], conditions: fisManagedAcl }),
        new iam.PolicyStatement({
          actions: ['ec2:CreateTags'],
          resources: [networkAclArns],
          conditions: { StringEquals: { 'ec2:CreateAction': 'CreateNetworkAcl', 'aws:RequestTag/managedByFIS': 'true' } },
        }),
        new iam.PolicyStatement({
          actions: ['ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAcl'],
          resources: [networkAclArns],
          conditions: { StringEquals: { 'ec2:ResourceTag/managedByFIS': 'true' } },
        }),
        new iam.PolicyStatement({ actions: ['ec2:ReplaceNetworkAclAssociation'], resources: [networkAclArns, ...zoneSubnets.map(subnetArn)] }),
        new iam.PolicyStatement({
          actions: ['ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeNetworkAcls', 'ec2:DescribeManagedPrefixLists', 'ec2:GetManagedPrefixListEntries'],
          resources: ['*'],
        }),
      ]),
      'rds-failover': role('rds-failover', [
        new iam.PolicyStatement({ actions: ['rds:RebootDBInstance'], resources: [props.database.instanceArn] }),
        new iam.PolicyStatement({ actions: ['rds:DescribeDBInstances'], resources: ['*'] }),
      ]),
      'cpu-stress': role('cpu-stress', [
        describeInstances,
        new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: [cpuStressDocument] }),
        new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: [instanceArns], conditions: onlyShopInstances }),
        // ListCommands and CancelCommand (to end the stress at the stop condition) take no resource.
        new iam.PolicyStatement({ actions: ['ssm:ListCommands', 'ssm:CancelCommand'], resources: ['*'] }),
      ]),
    };

    const template = (name: ExperimentName, rest: Pick<fis.CfnExperimentTemplateProps, 'actions' | 'targets'>) =>
      new fis.CfnExperimentTemplate(this, name, {
        description: `Evermall ${name} (twin drill ${experiments[name].twinDrill}): ${experiments[name].description}`,
        roleArn: this.roles[name].roleArn,
        stopConditions,
        experimentOptions: { accountTargeting: 'single-account', emptyTargetResolutionMode: 'fail' },
        tags: { Name: `evermall-${name}` },
        ...rest,
      });

    this.templates = {
      'instance-termination': template('instance-termination', {
        targets: { ShopInstance: runningShopInstances('COUNT(1)') },
        actions: { Terminate: { actionId: 'aws:ec2:terminate-instances', targets: { Instances: 'ShopInstance' } } },
      }),
      'az-power-interruption': template('az-power-interruption', {
        targets: {
          ZoneSubnets: { resourceType: 'aws:ec2:subnet', resourceArns: zoneSubnets.map(subnetArn), selectionMode: 'ALL' },
          ZoneInstances: runningShopInstances('ALL', [{ path: 'Placement.AvailabilityZone', values: [zone] }]),
        },
        actions: {
          // The zone's network goes dark (every subnet of it, the database's included) ...
          DisruptNetwork: { actionId: 'aws:network:disrupt-connectivity', parameters: { duration: faultDuration, scope: 'all' }, targets: { Subnets: 'ZoneSubnets' } },
          // ... and its instances lose power, coming back when it returns.
          StopInstances: {
            actionId: 'aws:ec2:stop-instances',
            parameters: { startInstancesAfterDuration: faultDuration },
            targets: { Instances: 'ZoneInstances' },
          },
        },
      }),
      'rds-failover': template('rds-failover', {
        targets: { Writer: { resourceType: 'aws:rds:db', resourceArns: [props.database.instanceArn], selectionMode: 'ALL' } },
        actions: { RebootWithFailover: { actionId: 'aws:rds:reboot-db-instances', parameters: { forceFailover: 'true' }, targets: { DBInstances: 'Writer' } } },
      }),
      'cpu-stress': template('cpu-stress', {
        targets: { ShopInstances: runningShopInstances('ALL') },
        actions: {
          CpuStress: {
            actionId: 'aws:ssm:send-command',
            parameters: {
              documentArn: cpuStressDocument,
              documentParameters: JSON.stringify({ DurationSeconds: '600', InstallDependencies: 'True' }),
              duration: faultDuration,
            },
            targets: { Instances: 'ShopInstances' },
          },
        },
      }),
    };
  }
}
