import { CloudFormationServiceException, DescribeStacksCommand, UpdateStackCommand, type Stack, type UpdateStackCommandInput } from '@aws-sdk/client-cloudformation';
import {
  DeleteReplicationConfigurationCommand,
  DescribeFileSystemsCommand,
  DescribeReplicationConfigurationsCommand,
  ReplicationNotFound,
  type DeleteReplicationConfigurationCommandInput,
} from '@aws-sdk/client-efs';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeReplicationGroupsCommand, DisassociateGlobalReplicationGroupCommand, type DisassociateGlobalReplicationGroupCommandInput } from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, PromoteReadReplicaCommand, type PromoteReadReplicaCommandInput } from '@aws-sdk/client-rds';
import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, StopReplicationToReplicaCommand } from '@aws-sdk/client-secrets-manager';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { autoScaling, database as topologyDatabase } from '@evermall/topology';
import { DrError, type RecoveryClients } from './aws-calls.js';
import { recoveryAppOutputs, recoveryAppParameters, recoveryDataOutputs, recoveryStackNames, recoveryStorageOutputs } from './recovery-names.js';

/**
 * The promotion of the recovery region (`npm run dr -- promote --region <region>`; infra/README.md,
 * "Disaster recovery"). It reads what the recovery stacks made, then, in this order:
 *
 * 1. promotes the database's cross-region replica to a standalone instance (PromoteReadReplica),
 *    makes the media file system's copy writable (DeleteReplicationConfiguration) and takes the cache
 *    secondary out of the Global Datastore (DisassociateGlobalReplicationGroup): started together,
 *    then waited for, since each takes minutes and none needs another;
 * 2. points the fleet at the promoted database: the database logins the instances read are
 *    replicas of the primary region's secrets, naming its database; replication is stopped (which
 *    makes each an ordinary secret of this region) and `host` set to the promoted instance;
 * 3. scales the fleet up: stack parameter Serving=true (topology's minimum and warm pool), then
 *    waits until the target group has that many healthy instances;
 * 4. points api.<domain> at this region: stack parameter ActiveRegion=<this region>. Route 53's
 *    health checks would already have moved shoppers here once step 3 made this region healthy
 *    and the primary is down; this step makes it stay so when the primary region answers again,
 *    with its old database (RegionalFailoverDns).
 *
 * The stack parameters are kept by later deploys (recovery-names.ts). A step already done (an
 * earlier run that stopped half way) is skipped, so the promotion can simply be run again.
 */

/** How long each wait may take before the promotion stops and says what to check; polled every pollSeconds. */
export const promotionTimings = {
  pollSeconds: 15,
  /** RDS: "several minutes or longer, depending on the size of the read replica" (RDS User Guide, "Promoting a read replica"). */
  databaseMinutes: 60,
  /** EFS: "can take several minutes" (EFS User Guide, "Deleting replication configurations"). */
  mediaMinutes: 30,
  cacheMinutes: 30,
  stackMinutes: 30,
  /** Launch from the baked image, boot, launch hook, the ALB's initial health checks. */
  targetsMinutes: 30,
} as const;

/** A database login as RDS-attached secrets hold it (host, port, dbname, username, password, ...). */
const Login = Type.Object({ host: Type.String() });

/** The one item a describe call by identifier answers with; none is an answer the promotion cannot read. */
function only<T>(items: readonly T[] | undefined, what: string): T {
  const item = items?.[0];
  if (item === undefined) throw new DrError('DR_UNEXPECTED_ANSWER', `${what} answered with none`);
  return item;
}

export interface StandbyLogin {
  readonly name: 'app' | 'migrator' | 'master';
  readonly arn: string;
  /** The region of the secret it still replicates, or undefined once it is this region's own. */
  readonly replicaOf?: string;
}

/** The recovery region as the promotion finds it (read-only calls only). */
export interface StandbyState {
  readonly region: string;
  readonly primaryRegion: string;
  readonly stacks: ReturnType<typeof recoveryStackNames>;
  readonly database: { readonly identifier: string; readonly endpoint: string; readonly replicaOf?: string };
  readonly media: { readonly fileSystemId: string; readonly writable: boolean; readonly sourceFileSystemId?: string };
  readonly cache: { readonly replicationGroupId: string; readonly globalDatastoreId: string; readonly inDatastore: boolean };
  readonly logins: readonly StandbyLogin[];
  readonly app: {
    readonly parameters: readonly { readonly key: string; readonly value?: string }[];
    readonly targetGroupArn: string;
    readonly fleetName: string;
    readonly apiOriginName: string;
  };
}

function stackOutput(stack: Stack, stackName: string, key: string): string {
  const value = stack.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
  if (!value) throw new DrError('DR_NOT_A_STANDBY', `${stackName} has no output ${key}: deploy the recovery region with this release first`);
  return value;
}

async function describeStack(aws: RecoveryClients, stackName: string): Promise<Stack> {
  try {
    return only((await aws.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks, `DescribeStacks ${stackName}`);
  } catch (err) {
    // CloudFormation answers a missing stack with ValidationError ("Stack with id ... does not exist").
    if (err instanceof CloudFormationServiceException && err.name === 'ValidationError')
      throw new DrError('DR_NOT_A_STANDBY', `${stackName} does not exist in ${aws.region}: is ${aws.region} the recovery region?`);
    throw err;
  }
}

const describeInstance = async (aws: RecoveryClients, identifier: string) =>
  only((await aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }))).DBInstances, `DescribeDBInstances ${identifier}`);
const describeFileSystem = async (aws: RecoveryClients, fileSystemId: string) =>
  only((await aws.efs.send(new DescribeFileSystemsCommand({ FileSystemId: fileSystemId }))).FileSystems, `DescribeFileSystems ${fileSystemId}`);
const describeReplicationGroup = async (aws: RecoveryClients, replicationGroupId: string) =>
  only(
    (await aws.elastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }))).ReplicationGroups,
    `DescribeReplicationGroups ${replicationGroupId}`,
  );

/** Reads the recovery stacks and the state of what they made, with describe calls only. */
export async function readStandby(aws: RecoveryClients, options: { readonly stackPrefix: string }): Promise<StandbyState> {
  const { region } = aws;
  const stacks = recoveryStackNames(options.stackPrefix);
  const data = await describeStack(aws, stacks.data);
  const storage = await describeStack(aws, stacks.storage);
  const app = await describeStack(aws, stacks.app);

  const identifier = stackOutput(data, stacks.data, recoveryDataOutputs.replicaIdentifier);
  const instance = await describeInstance(aws, identifier);

  const fileSystemId = stackOutput(storage, stacks.storage, recoveryStorageOutputs.mediaFileSystemId);
  const fileSystem = await describeFileSystem(aws, fileSystemId);
  // A replication destination's overwrite protection is off; deleting the replication turns it back on.
  const writable = fileSystem.FileSystemProtection?.ReplicationOverwriteProtection !== 'DISABLED';
  let sourceFileSystemId: string | undefined;
  if (!writable) {
    try {
      sourceFileSystemId = (await aws.efs.send(new DescribeReplicationConfigurationsCommand({ FileSystemId: fileSystemId }))).Replications?.[0]?.SourceFileSystemId;
    } catch (err) {
      if (!(err instanceof ReplicationNotFound)) throw err;
    }
  }

  const replicationGroupId = stackOutput(data, stacks.data, recoveryDataOutputs.cacheReplicationGroupId);
  const group = await describeReplicationGroup(aws, replicationGroupId);

  const logins: StandbyLogin[] = [];
  for (const [name, key] of [
    ['app', recoveryDataOutputs.appSecretArn],
    ['migrator', recoveryDataOutputs.migratorSecretArn],
    ['master', recoveryDataOutputs.masterSecretArn],
  ] as const) {
    const arn = stackOutput(data, stacks.data, key);
    const secret = await aws.secretsManager.send(new DescribeSecretCommand({ SecretId: arn }));
    logins.push({ name, arn, ...(secret.PrimaryRegion && secret.PrimaryRegion !== region ? { replicaOf: secret.PrimaryRegion } : {}) });
  }

  return {
    region,
    primaryRegion: stackOutput(data, stacks.data, recoveryDataOutputs.primaryRegion),
    stacks,
    database: {
      identifier,
      endpoint: stackOutput(data, stacks.data, recoveryDataOutputs.replicaEndpoint),
      ...(instance.ReadReplicaSourceDBInstanceIdentifier ? { replicaOf: instance.ReadReplicaSourceDBInstanceIdentifier } : {}),
    },
    media: { fileSystemId, writable, ...(sourceFileSystemId ? { sourceFileSystemId } : {}) },
    cache: {
      replicationGroupId,
      globalDatastoreId: stackOutput(data, stacks.data, recoveryDataOutputs.globalDatastoreId),
      inDatastore: group.GlobalReplicationGroupInfo?.GlobalReplicationGroupId !== undefined,
    },
    logins,
    app: {
      parameters: (app.Parameters ?? []).flatMap((p) =>
        p.ParameterKey === undefined ? [] : [{ key: p.ParameterKey, ...(p.ParameterValue !== undefined ? { value: p.ParameterValue } : {}) }],
      ),
      targetGroupArn: stackOutput(app, stacks.app, recoveryAppOutputs.targetGroupArn),
      fleetName: stackOutput(app, stacks.app, recoveryAppOutputs.fleetName),
      apiOriginName: stackOutput(app, stacks.app, recoveryAppOutputs.apiOriginName),
    },
  };
}

/** Polls until `done` says so, or fails after `minutes` naming what to check. */
export interface Waiter {
  until(what: string, minutes: number, check: string, done: () => Promise<boolean>): Promise<void>;
}

export function pollingWaiter(sleep: (ms: number) => Promise<void>, now: () => number = Date.now): Waiter {
  return {
    async until(what, minutes, check, done) {
      const deadline = now() + minutes * 60_000;
      while (!(await done())) {
        if (now() >= deadline) throw new DrError('DR_WAIT_TIMEOUT', `${what} did not happen within ${minutes} min; check: ${check}`);
        await sleep(promotionTimings.pollSeconds * 1000);
      }
    },
  };
}

/** One step of the plan: what it sends, how a person checks it, and the two halves the runner calls (start, then wait). */
export interface PromotionStep {
  readonly title: string;
  /** Done by an earlier run: skipped. */
  readonly done: boolean;
  /** The calls that change something, as `service Operation {input}` (service as the AWS CLI names it). */
  readonly sends: readonly string[];
  /** A command that shows whether the step took effect. */
  readonly check: string;
  readonly start: (aws: RecoveryClients) => Promise<void>;
  readonly wait: (aws: RecoveryClients, waiter: Waiter) => Promise<void>;
}

const shown = (service: string, operation: string, input: object) => `${service} ${operation} ${JSON.stringify(input)}`;

/**
 * The steps, in groups: the runner starts every step of a group, then waits for each, before the
 * next group. Pure: it only reads `state`.
 */
export function promotionPlan(state: StandbyState): PromotionStep[][] {
  const { region } = state;
  const at = `--region ${region}`;

  const promoteInput: PromoteReadReplicaCommandInput = {
    DBInstanceIdentifier: state.database.identifier,
    BackupRetentionPeriod: topologyDatabase.backupRetentionDays,
  };
  const database: PromotionStep = {
    title: `Promote the database replica ${state.database.identifier} to a standalone instance`,
    done: state.database.replicaOf === undefined,
    sends: [shown('rds', 'PromoteReadReplica', promoteInput)],
    check: `aws rds describe-db-instances ${at} --db-instance-identifier ${state.database.identifier} --query 'DBInstances[0].[DBInstanceStatus,ReadReplicaSourceDBInstanceIdentifier]' (available, None)`,
    start: async (aws) => void (await aws.rds.send(new PromoteReadReplicaCommand(promoteInput))),
    wait: (aws, waiter) =>
      waiter.until('the database promotion', promotionTimings.databaseMinutes, database.check, async () => {
        const instance = await describeInstance(aws, state.database.identifier);
        return instance.DBInstanceStatus === 'available' && instance.ReadReplicaSourceDBInstanceIdentifier === undefined;
      }),
  };

  // Only this region's side of the replication is deleted: the primary region may be unreachable.
  const unreplicateInput: DeleteReplicationConfigurationCommandInput = {
    SourceFileSystemId: state.media.sourceFileSystemId ?? state.media.fileSystemId,
    DeletionMode: 'LOCAL_CONFIGURATION_ONLY',
  };
  const media: PromotionStep = {
    title: `Make the media file system ${state.media.fileSystemId} writable (end its EFS replication)`,
    done: state.media.writable,
    sends: [shown('efs', 'DeleteReplicationConfiguration', unreplicateInput)],
    check: `aws efs describe-file-systems ${at} --file-system-id ${state.media.fileSystemId} --query 'FileSystems[0].FileSystemProtection.ReplicationOverwriteProtection' (ENABLED)`,
    start: async (aws) => void (await aws.efs.send(new DeleteReplicationConfigurationCommand(unreplicateInput))),
    wait: (aws, waiter) =>
      waiter.until('the media file system turning writable', promotionTimings.mediaMinutes, media.check, async () => {
        const fileSystem = await describeFileSystem(aws, state.media.fileSystemId);
        return fileSystem.FileSystemProtection?.ReplicationOverwriteProtection === 'ENABLED';
      }),
  };

  const disassociateInput: DisassociateGlobalReplicationGroupCommandInput = {
    GlobalReplicationGroupId: state.cache.globalDatastoreId,
    ReplicationGroupId: state.cache.replicationGroupId,
    ReplicationGroupRegion: region,
  };
  const cache: PromotionStep = {
    title: `Take the cache ${state.cache.replicationGroupId} out of the Global Datastore (it then takes writes)`,
    done: !state.cache.inDatastore,
    sends: [shown('elasticache', 'DisassociateGlobalReplicationGroup', disassociateInput)],
    check: `aws elasticache describe-replication-groups ${at} --replication-group-id ${state.cache.replicationGroupId} --query 'ReplicationGroups[0].[Status,GlobalReplicationGroupInfo]' (available, None)`,
    start: async (aws) => void (await aws.elastiCache.send(new DisassociateGlobalReplicationGroupCommand(disassociateInput))),
    wait: (aws, waiter) =>
      waiter.until('the cache leaving the Global Datastore', promotionTimings.cacheMinutes, cache.check, async () => {
        const group = await describeReplicationGroup(aws, state.cache.replicationGroupId);
        return group.Status === 'available' && group.GlobalReplicationGroupInfo?.GlobalReplicationGroupId === undefined;
      }),
  };

  const logins: PromotionStep = {
    title: `Point the database logins (${state.logins.map((l) => l.name).join(', ')}) at the promoted instance ${state.database.endpoint}`,
    done: false,
    sends: state.logins.flatMap((login) => [
      ...(login.replicaOf ? [shown('secretsmanager', 'StopReplicationToReplica', { SecretId: login.arn })] : []),
      `secretsmanager PutSecretValue {"SecretId":"${login.arn}"} with "host":"${state.database.endpoint}" (the rest of the login as it is)`,
    ]),
    check: `aws secretsmanager get-secret-value ${at} --secret-id ${state.logins[0]?.arn ?? ''} --query SecretString --output text (host = ${state.database.endpoint}); describe-secret shows no PrimaryRegion`,
    start: async (aws) => {
      for (const login of state.logins) {
        // A replica secret is read-only: it takes PutSecretValue only once it is this region's own.
        if (login.replicaOf) await aws.secretsManager.send(new StopReplicationToReplicaCommand({ SecretId: login.arn }));
        const { SecretString } = await aws.secretsManager.send(new GetSecretValueCommand({ SecretId: login.arn }));
        const current: unknown = SecretString === undefined ? undefined : JSON.parse(SecretString);
        if (!Value.Check(Login, current)) throw new DrError('DR_UNEXPECTED_ANSWER', `the ${login.name} login (${login.arn}) holds no host`);
        if (current.host === state.database.endpoint) continue;
        await aws.secretsManager.send(new PutSecretValueCommand({ SecretId: login.arn, SecretString: JSON.stringify({ ...current, host: state.database.endpoint }) }));
      }
    },
    // The instances read the logins at boot, which the next step starts.
    wait: async () => {},
  };

  const parameterValue = (key: string) => state.app.parameters.find((p) => p.key === key)?.value;
  const updateAppInput = (key: string, value: string): UpdateStackCommandInput => ({
    StackName: state.stacks.app,
    UsePreviousTemplate: true,
    Parameters: state.app.parameters.map((p) => (p.key === key ? { ParameterKey: key, ParameterValue: value } : { ParameterKey: p.key, UsePreviousValue: true })),
    Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
  });
  const stackUpdated = (aws: RecoveryClients, waiter: Waiter, check: string) =>
    waiter.until(`the update of ${state.stacks.app}`, promotionTimings.stackMinutes, check, async () => {
      const status = (await describeStack(aws, state.stacks.app)).StackStatus ?? '';
      if (status.includes('ROLLBACK') || status.endsWith('FAILED')) {
        throw new DrError(
          'DR_STACK_UPDATE_FAILED',
          `${state.stacks.app} is ${status}: see its events (aws cloudformation describe-stack-events ${at} --stack-name ${state.stacks.app})`,
        );
      }
      return status === 'UPDATE_COMPLETE';
    });

  const serveInput = updateAppInput(recoveryAppParameters.serving, 'true');
  const fleet: PromotionStep = {
    title: `Scale the fleet ${state.app.fleetName} up to ${autoScaling.minCapacity} healthy instances (stack parameter ${recoveryAppParameters.serving}=true)`,
    done: parameterValue(recoveryAppParameters.serving) === 'true',
    sends: [shown('cloudformation', 'UpdateStack', serveInput)],
    check: `aws elbv2 describe-target-health ${at} --target-group-arn ${state.app.targetGroupArn} --query 'TargetHealthDescriptions[].TargetHealth.State' (${autoScaling.minCapacity} × healthy)`,
    start: async (aws) => void (await aws.cloudFormation.send(new UpdateStackCommand(serveInput))),
    wait: async (aws, waiter) => {
      if (!fleet.done) await stackUpdated(aws, waiter, `aws cloudformation describe-stacks ${at} --stack-name ${state.stacks.app} --query 'Stacks[0].StackStatus'`);
      await waiter.until(`${autoScaling.minCapacity} healthy instances`, promotionTimings.targetsMinutes, fleet.check, async () => {
        const targets = (await aws.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: state.app.targetGroupArn }))).TargetHealthDescriptions ?? [];
        return targets.filter((t) => t.TargetHealth?.State === 'healthy').length >= autoScaling.minCapacity;
      });
    },
  };

  const flipInput = updateAppInput(recoveryAppParameters.activeRegion, region);
  const dns: PromotionStep = {
    title: `Point api.<domain> at ${region} for good (stack parameter ${recoveryAppParameters.activeRegion}=${region}; no failback to ${state.primaryRegion})`,
    done: parameterValue(recoveryAppParameters.activeRegion) === region,
    sends: [shown('cloudformation', 'UpdateStack', flipInput)],
    check: `dig +short ${state.app.apiOriginName} (the addresses of ${region}'s ALB); aws cloudformation describe-stacks ${at} --stack-name ${state.stacks.app} --query "Stacks[0].Parameters"`,
    start: async (aws) => void (await aws.cloudFormation.send(new UpdateStackCommand(flipInput))),
    wait: async (aws, waiter) => {
      if (!dns.done) await stackUpdated(aws, waiter, dns.check);
    },
  };

  return [[database, media, cache], [logins], [fleet], [dns]];
}

export interface PromotionRun {
  readonly dryRun: boolean;
  readonly print: (line: string) => void;
  readonly waiter: Waiter;
}

/** A dry run prints the plan and sends nothing; a run carries it out group by group, printing each step as it starts and ends. */
export async function promote(aws: RecoveryClients, state: StandbyState, run: PromotionRun): Promise<void> {
  const groups = promotionPlan(state);
  const steps = groups.flat();
  if (run.dryRun) {
    run.print(`Promotion of ${state.region}, the standby for ${state.primaryRegion} (stacks ${Object.values(state.stacks).join(', ')}):`);
    steps.forEach((step, i) => {
      run.print(`${i + 1}. ${step.title}${step.done ? ' [already done: skipped]' : ''}`);
      for (const sent of step.sends) run.print(`   sends: ${sent}`);
      run.print(`   check: ${step.check}`);
    });
    run.print('Dry run: nothing was changed.');
    return;
  }
  // A step done earlier is not started again, but still waited for: a rerun after an interrupted
  // one finds, say, the fleet scaling and waits for its instances.
  for (const group of groups) {
    for (const step of group.filter((s) => !s.done)) {
      run.print(`→ ${steps.indexOf(step) + 1}. ${step.title}`);
      await step.start(aws);
    }
    for (const step of group) {
      await step.wait(aws, run.waiter);
      run.print(`✓ ${steps.indexOf(step) + 1}. done; check: ${step.check}`);
    }
  }
  run.print(`${state.region} serves the shop. Next: infra/README.md, "Disaster recovery", after a promotion.`);
}
