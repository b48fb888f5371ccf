import { beforeAll, describe, expect, it } from 'vitest';
import { experiments, faultDuration } from '../lib/constructs/fault-injection.js';
import { resourcesOf, synthesize, template, type CfnJson, type ResourceOf, type Synthesized } from './support/synthesized.js';

// The AWS FIS counterparts of the twin's drills (production profile without a domain; cdk-nag and
// cfn-lint on this configuration run in variants.test.ts).
let s: Synthesized;
beforeAll(() => {
  s = synthesize('production-no-domain');
});

const templates = () => resourcesOf(template(s, 'observability'), 'AWS::FIS::ExperimentTemplate');
const named = (name: keyof typeof experiments): ResourceOf => {
  const found = templates().find((t) => t.Properties.Tags?.Name === `evermall-${name}`);
  if (!found) throw new Error(`no experiment template ${name}`);
  return found;
};
/** The statements of the policy attached to an experiment's role. */
const statementsOf = (experiment: ResourceOf): CfnJson[] => {
  const roleId = experiment.Properties.RoleArn['Fn::GetAtt'][0];
  const policies = resourcesOf(template(s, 'observability'), 'AWS::IAM::Policy').filter((p) => p.Properties.Roles.some((r: CfnJson) => r.Ref === roleId));
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
};
const actionsOf = (statements: CfnJson[]) => statements.flatMap((st) => [st.Action].flat()).sort();
// The shop group's name, from the app stack.
const groupCondition = {
  StringEquals: { 'aws:ResourceTag/aws:autoscaling:groupName': { 'Fn::ImportValue': expect.stringMatching(/^Evermall-App:ExportsOutputRefFleetGroupASG/) } },
};

describe('AWS FIS experiment templates', () => {
  it('one per twin drill, each stopped by the ALB 5xx-rate alarm', () => {
    expect(templates()).toHaveLength(Object.keys(experiments).length);
    const alarm = resourcesOf(template(s, 'observability'), 'AWS::CloudWatch::Alarm').find((a) => a.id.startsWith('ObservabilityAlb5xxRate'))!;
    for (const t of templates()) {
      expect(t.Properties.StopConditions).toEqual([{ Source: 'aws:cloudwatch:alarm', Value: { 'Fn::GetAtt': [alarm.id, 'Arn'] } }]);
      expect(t.Properties.ExperimentOptions).toEqual({ AccountTargeting: 'single-account', EmptyTargetResolutionMode: 'fail' });
    }
    for (const [name, { twinDrill }] of Object.entries(experiments)) expect(named(name as keyof typeof experiments).Properties.Description).toContain(`twin drill ${twinDrill}`);
  });

  it('instance-termination: terminates one running instance of the shop group, and may terminate nothing else', () => {
    const t = named('instance-termination');
    expect(t.Properties.Actions).toEqual({ Terminate: { ActionId: 'aws:ec2:terminate-instances', Targets: { Instances: 'ShopInstance' } } });
    expect(t.Properties.Targets.ShopInstance).toMatchObject({
      ResourceType: 'aws:ec2:instance',
      SelectionMode: 'COUNT(1)',
      Filters: [{ Path: 'State.Name', Values: ['running'] }],
    });
    expect(Object.keys(t.Properties.Targets.ShopInstance.ResourceTags)).toEqual(['aws:autoscaling:groupName']);
    const statements = statementsOf(t);
    expect(actionsOf(statements)).toEqual(['ec2:DescribeInstances', 'ec2:TerminateInstances']);
    expect(statements.find((st) => st.Action === 'ec2:TerminateInstances').Condition).toEqual(groupCondition);
  });

  it('az-power-interruption: drops the network of every subnet of one AZ and stops its shop instances, for the same time', () => {
    const t = named('az-power-interruption');
    const { DisruptNetwork, StopInstances } = t.Properties.Actions;
    expect(DisruptNetwork).toEqual({ ActionId: 'aws:network:disrupt-connectivity', Parameters: { duration: faultDuration, scope: 'all' }, Targets: { Subnets: 'ZoneSubnets' } });
    expect(StopInstances).toEqual({ ActionId: 'aws:ec2:stop-instances', Parameters: { startInstancesAfterDuration: faultDuration }, Targets: { Instances: 'ZoneInstances' } });
    // Public, app and database subnets of the first AZ: three of the VPC's six.
    const subnets = t.Properties.Targets.ZoneSubnets.ResourceArns as CfnJson[];
    expect(subnets).toHaveLength(3);
    const zone = { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] };
    expect(t.Properties.Targets.ZoneInstances.Filters).toEqual([
      { Path: 'State.Name', Values: ['running'] },
      { Path: 'Placement.AvailabilityZone', Values: [zone] },
    ]);
    const statements = statementsOf(t);
    // The network ACL it swaps in must be its own (tagged managedByFIS), and only this zone's subnets re-associated.
    expect(statements.find((st) => [st.Action].flat().includes('ec2:DeleteNetworkAcl')).Condition).toEqual({ StringEquals: { 'ec2:ResourceTag/managedByFIS': 'true' } });
    const replace = statements.find((st) => st.Action === 'ec2:ReplaceNetworkAclAssociation');
    expect(replace.Resource).toHaveLength(1 + subnets.length);
    expect(statements.find((st) => [st.Action].flat().includes('ec2:StopInstances')).Condition).toEqual(groupCondition);
    expect(actionsOf(statements)).not.toContain('ec2:TerminateInstances');
  });

  it('rds-failover: reboots the writer with failover, and may reboot only it', () => {
    const t = named('rds-failover');
    expect(t.Properties.Actions).toEqual({
      RebootWithFailover: { ActionId: 'aws:rds:reboot-db-instances', Parameters: { forceFailover: 'true' }, Targets: { DBInstances: 'Writer' } },
    });
    const writerArn = t.Properties.Targets.Writer.ResourceArns;
    expect(JSON.stringify(writerArn)).toContain('DatabaseInstance');
    expect(JSON.stringify(writerArn)).not.toContain('ReadReplica');
    const reboot = statementsOf(t).find((st) => st.Action === 'rds:RebootDBInstance');
    expect(reboot.Resource).toEqual(writerArn[0]);
  });

  it('cpu-stress: runs AWSFIS-Run-CPU-Stress on every shop instance, sending commands only to them', () => {
    const t = named('cpu-stress');
    const action = t.Properties.Actions.CpuStress;
    expect(action.ActionId).toBe('aws:ssm:send-command');
    expect(JSON.stringify(action.Parameters.documentArn)).toContain(':document/AWSFIS-Run-CPU-Stress');
    expect(JSON.parse(action.Parameters.documentParameters)).toMatchObject({ DurationSeconds: '600' });
    expect(t.Properties.Targets.ShopInstances.SelectionMode).toBe('ALL');
    const sends = statementsOf(t).filter((st) => st.Action === 'ssm:SendCommand');
    expect(sends).toHaveLength(2);
    expect(sends.find((st) => st.Condition)?.Condition).toEqual(groupCondition);
  });

  it('lets only FIS of this account assume the experiment roles', () => {
    for (const role of resourcesOf(template(s, 'observability'), 'AWS::IAM::Role').filter((r) => r.id.startsWith('FaultInjection'))) {
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'fis.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
      ]);
    }
  });
});
