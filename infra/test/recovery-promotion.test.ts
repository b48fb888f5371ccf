import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { autoScaling, database as topologyDatabase } from '@evermall/topology';
import { asDrError, DrError, recoveryClients } from '../lib/aws-calls.js';
import { pollingWaiter, promote, promotionPlan, readStandby, type PromotionRun } from '../lib/recovery-promotion.js';
import { recoveryAppOutputs, recoveryAppParameters, recoveryDataOutputs, recoveryStackNames, recoveryStorageOutputs } from '../lib/recovery-names.js';

const region = 'ap-northeast-3';
const primaryRegion = 'ap-northeast-2';
const stacks = recoveryStackNames('Evermall');
const secretArn = (name: string) => `arn:aws:secretsmanager:${region}:123456789012:secret:${name}-AbCdEf`;
const endpoint = 'evermall-replica.abc.ap-northeast-3.rds.amazonaws.com';
const oldEndpoint = 'evermall-primary.xyz.ap-northeast-2.rds.amazonaws.com';

/**
 * A request as the real SDK clients hand it to their request handler, serialized and signed: the
 * service is the endpoint's first label, the input is what AWS receives (the form fields of the
 * Query protocol, the JSON body of Secrets Manager, the path and query string of EFS's REST API).
 */
interface Sent {
  readonly service: string;
  readonly operation: string;
  readonly input: Readonly<Record<string, string>>;
  readonly hostname: string;
  readonly signedFor: string;
}

/** An AWS error answer, rendered in the protocol of the service that raises it. */
class AwsFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const queryServices = new Set(['cloudformation', 'rds', 'elasticache', 'elasticloadbalancing']);
/** Lists whose members the Query services name after the item rather than `member` (their Smithy models' xmlName). */
const xmlMemberNames: Record<string, string> = { DBInstances: 'DBInstance', ReplicationGroups: 'ReplicationGroup' };

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
function toXml(value: unknown, member = 'member'): string {
  if (Array.isArray(value)) return value.map((item) => `<${member}>${toXml(item)}</${member}>`).join('');
  if (typeof value === 'object' && value !== null)
    return Object.entries(value)
      .map(([key, v]) => `<${key}>${toXml(v, xmlMemberNames[key])}</${key}>`)
      .join('');
  return escapeXml(String(value));
}

const decode = (body: unknown) => (body instanceof Uint8Array ? new TextDecoder().decode(body) : typeof body === 'string' ? body : '');

interface HttpRequest {
  readonly method: string;
  readonly hostname: string;
  readonly path: string;
  readonly query?: Record<string, string | string[] | null>;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

function parseRequest(request: HttpRequest): Sent {
  const service = request.hostname.split('.')[0]!;
  const signedFor = /Credential=[^/]+\/\d{8}\/([^/]+\/[^/]+)\/aws4_request/.exec(request.headers.authorization ?? '')?.[1] ?? 'unsigned';
  const base = { service, hostname: request.hostname, signedFor };
  if (queryServices.has(service)) {
    // Action names the operation, Version the API version; the other fields are the operation's input.
    const form = new URLSearchParams(decode(request.body));
    const operation = form.get('Action') ?? '';
    form.delete('Action');
    form.delete('Version');
    return { ...base, operation, input: Object.fromEntries(form) };
  }
  if (service === 'secretsmanager') {
    const operation = (request.headers['x-amz-target'] ?? '').replace('secretsmanager.', '');
    return { ...base, operation, input: JSON.parse(decode(request.body)) as Record<string, string> };
  }
  const query = Object.fromEntries(Object.entries(request.query ?? {}).map(([k, v]) => [k, String(v)]));
  // EFS's REST paths (EFS API reference): the replication of a file system is under its id.
  const replication = /^\/2015-02-01\/file-systems\/([^/]+)\/replication-configuration$/.exec(request.path);
  if (request.method === 'DELETE' && replication) return { ...base, operation: 'DeleteReplicationConfiguration', input: { SourceFileSystemId: replication[1]!, ...query } };
  if (request.path === '/2015-02-01/file-systems/replication-configurations') return { ...base, operation: 'DescribeReplicationConfigurations', input: query };
  if (request.path === '/2015-02-01/file-systems') return { ...base, operation: 'DescribeFileSystems', input: query };
  throw new Error(`unexpected EFS request ${request.method} ${request.path}`);
}

function httpAnswer(sent: Sent, answer: () => object) {
  const respond = (statusCode: number, headers: Record<string, string>, body: string) => ({ response: { statusCode, headers, body: Readable.from([Buffer.from(body)]) } });
  const query = queryServices.has(sent.service);
  try {
    const result = answer();
    if (query)
      return respond(
        200,
        { 'content-type': 'text/xml' },
        `<${sent.operation}Response><${sent.operation}Result>${toXml(result)}</${sent.operation}Result></${sent.operation}Response>`,
      );
    if (sent.operation === 'DeleteReplicationConfiguration') return respond(204, {}, '');
    return respond(200, { 'content-type': 'application/json' }, JSON.stringify(result));
  } catch (err) {
    if (!(err instanceof AwsFault)) throw err;
    if (query)
      return respond(
        err.status,
        { 'content-type': 'text/xml' },
        `<ErrorResponse><Error><Type>Sender</Type><Code>${err.code}</Code><Message>${escapeXml(err.message)}</Message></Error></ErrorResponse>`,
      );
    if (sent.service === 'secretsmanager') return respond(err.status, { 'content-type': 'application/x-amz-json-1.1' }, JSON.stringify({ __type: err.code, message: err.message }));
    return respond(err.status, { 'content-type': 'application/json', 'x-amzn-errortype': err.code }, JSON.stringify({ ErrorCode: err.code, Message: err.message }));
  }
}

interface RegionStart {
  /** Which operation AWS refuses with AccessDenied. */
  refuse?: string;
  failStackUpdate?: boolean;
  neverHealthy?: boolean;
  stackMissing?: boolean;
}

/**
 * The recovery region as AWS would answer the promotion, behind the real SDK clients: each service
 * keeps its state, and a change takes one more describe to finish (the first poll after it sees it
 * in progress), as a real one takes minutes.
 */
function fakeRegion(start: RegionStart = {}) {
  const sent: Sent[] = [];
  const s = {
    ...start,
    dbSource: `arn:aws:rds:${primaryRegion}:123456789012:db:evermall-primary` as string | undefined,
    dbPending: false,
    efs: 'DISABLED',
    efsPending: false,
    inDatastore: true,
    cachePending: false,
    secrets: new Map(
      ['app', 'migrator', 'master'].map((name) => [
        secretArn(name),
        { primaryRegion, value: { engine: 'postgres', host: oldEndpoint, port: 5433, username: `evermall_${name}`, password: 'p' } },
      ]),
    ),
    parameters: {
      [recoveryAppParameters.serving]: 'false',
      [recoveryAppParameters.activeRegion]: primaryRegion,
      BootstrapVersion: '/cdk-bootstrap/hnb659fds/version',
    } as Record<string, string>,
    stackStatus: 'UPDATE_COMPLETE',
    stackPending: false,
    healthy: 0,
  };
  const outputs = (pairs: Record<string, string>) => Object.entries(pairs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }));
  const stackAnswers: Record<string, () => object> = {
    [stacks.data]: () => ({
      StackName: stacks.data,
      StackStatus: 'UPDATE_COMPLETE',
      Outputs: outputs({
        [recoveryDataOutputs.primaryRegion]: primaryRegion,
        [recoveryDataOutputs.replicaIdentifier]: 'evermall-replica',
        [recoveryDataOutputs.replicaEndpoint]: endpoint,
        [recoveryDataOutputs.cacheReplicationGroupId]: 'evermall-cache-secondary',
        [recoveryDataOutputs.globalDatastoreId]: 'fpkhr-evermall-cache',
        [recoveryDataOutputs.appSecretArn]: secretArn('app'),
        [recoveryDataOutputs.migratorSecretArn]: secretArn('migrator'),
        [recoveryDataOutputs.masterSecretArn]: secretArn('master'),
      }),
    }),
    [stacks.storage]: () => ({ StackName: stacks.storage, StackStatus: 'UPDATE_COMPLETE', Outputs: outputs({ [recoveryStorageOutputs.mediaFileSystemId]: 'fs-recovery' }) }),
    [stacks.app]: () => ({
      StackName: stacks.app,
      StackStatus: s.stackStatus,
      Parameters: Object.entries(s.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
      Outputs: outputs({
        [recoveryAppOutputs.fleetName]: 'Evermall-RecoveryApp-shop',
        [recoveryAppOutputs.targetGroupArn]: 'arn:aws:elasticloadbalancing:ap-northeast-3:123456789012:targetgroup/shop/1',
        [recoveryAppOutputs.apiOriginName]: 'api-origin.shop.example.com',
      }),
    }),
  };
  const secret = (id: string | undefined) => {
    const found = s.secrets.get(id ?? '');
    if (!found) throw new AwsFault('ResourceNotFoundException', `Secrets Manager can't find the specified secret ${id}`);
    return found;
  };
  const answer = ({ service, operation, input }: Sent): object => {
    if (s.refuse === operation) throw new AwsFault('AccessDenied', `User: arn:aws:iam::123456789012:user/ops is not authorized to perform: ${service}:${operation}`, 403);
    switch (`${service} ${operation}`) {
      case 'cloudformation DescribeStacks': {
        if (s.stackMissing && input.StackName === stacks.data) throw new AwsFault('ValidationError', `Stack with id ${input.StackName} does not exist`);
        if (input.StackName === stacks.app && s.stackPending) {
          s.stackPending = false;
          return { Stacks: [{ ...stackAnswers[stacks.app]!(), StackStatus: 'UPDATE_IN_PROGRESS' }] };
        }
        if (input.StackName === stacks.app && s.stackStatus === 'UPDATE_IN_PROGRESS') s.stackStatus = s.failStackUpdate ? 'UPDATE_ROLLBACK_COMPLETE' : 'UPDATE_COMPLETE';
        return { Stacks: [stackAnswers[input.StackName!]!()] };
      }
      case 'cloudformation UpdateStack':
        for (const [key, name] of Object.entries(input)) {
          const n = /^Parameters\.member\.(\d+)\.ParameterKey$/.exec(key)?.[1];
          if (n && input[`Parameters.member.${n}.UsePreviousValue`] !== 'true') s.parameters[name] = input[`Parameters.member.${n}.ParameterValue`]!;
        }
        s.stackStatus = 'UPDATE_IN_PROGRESS';
        s.stackPending = true;
        return { StackId: 'arn:aws:cloudformation:ap-northeast-3:123456789012:stack/Evermall-RecoveryApp/1' };
      case 'rds DescribeDBInstances':
        if (s.dbPending) {
          s.dbPending = false;
          return { DBInstances: [{ DBInstanceIdentifier: 'evermall-replica', DBInstanceStatus: 'modifying', ReadReplicaSourceDBInstanceIdentifier: s.dbSource }] };
        }
        if (s.dbSource === 'promoting') s.dbSource = undefined;
        return {
          DBInstances: [{ DBInstanceIdentifier: 'evermall-replica', DBInstanceStatus: 'available', ...(s.dbSource ? { ReadReplicaSourceDBInstanceIdentifier: s.dbSource } : {}) }],
        };
      case 'rds PromoteReadReplica':
        s.dbSource = 'promoting';
        s.dbPending = true;
        return { DBInstance: { DBInstanceIdentifier: input.DBInstanceIdentifier, DBInstanceStatus: 'modifying' } };
      case 'elasticfilesystem DescribeFileSystems':
        if (s.efsPending) {
          s.efsPending = false;
          return { FileSystems: [{ FileSystemId: 'fs-recovery', FileSystemProtection: { ReplicationOverwriteProtection: 'DISABLED' } }] };
        }
        return { FileSystems: [{ FileSystemId: 'fs-recovery', FileSystemProtection: { ReplicationOverwriteProtection: s.efs } }] };
      case 'elasticfilesystem DescribeReplicationConfigurations':
        if (s.efs === 'ENABLED') throw new AwsFault('ReplicationNotFound', 'Replication configuration not found', 404);
        return { Replications: [{ SourceFileSystemId: 'fs-primary', SourceFileSystemRegion: primaryRegion, Destinations: [{ FileSystemId: 'fs-recovery', Region: region }] }] };
      case 'elasticfilesystem DeleteReplicationConfiguration':
        s.efs = 'ENABLED';
        s.efsPending = true;
        return {};
      case 'elasticache DescribeReplicationGroups':
        if (s.cachePending) {
          s.cachePending = false;
          return { ReplicationGroups: [{ Status: 'modifying', GlobalReplicationGroupInfo: { GlobalReplicationGroupId: 'fpkhr-evermall-cache' } }] };
        }
        return { ReplicationGroups: [{ Status: 'available', ...(s.inDatastore ? { GlobalReplicationGroupInfo: { GlobalReplicationGroupId: 'fpkhr-evermall-cache' } } : {}) }] };
      case 'elasticache DisassociateGlobalReplicationGroup':
        s.inDatastore = false;
        s.cachePending = true;
        return { GlobalReplicationGroup: { GlobalReplicationGroupId: input.GlobalReplicationGroupId } };
      case 'secretsmanager DescribeSecret':
        return { ARN: input.SecretId, ...(secret(input.SecretId).primaryRegion !== region ? { PrimaryRegion: secret(input.SecretId).primaryRegion } : {}) };
      case 'secretsmanager StopReplicationToReplica':
        secret(input.SecretId).primaryRegion = region;
        return { ARN: input.SecretId };
      case 'secretsmanager GetSecretValue':
        return { ARN: input.SecretId, SecretString: JSON.stringify(secret(input.SecretId).value) };
      case 'secretsmanager PutSecretValue': {
        const login = secret(input.SecretId);
        if (login.primaryRegion !== region) throw new AwsFault('InvalidRequestException', 'You can’t modify a replica secret');
        login.value = JSON.parse(input.SecretString!) as typeof login.value;
        return { ARN: input.SecretId };
      }
      case 'elasticloadbalancing DescribeTargetHealth':
        if (s.parameters[recoveryAppParameters.serving] === 'true' && !s.neverHealthy) s.healthy = Math.min(autoScaling.minCapacity, s.healthy + 1);
        return { TargetHealthDescriptions: Array.from({ length: s.healthy }, (_, i) => ({ Target: { Id: `i-${i}` }, TargetHealth: { State: 'healthy' } })) };
      default:
        throw new Error(`unexpected call ${service} ${operation}`);
    }
  };
  const aws = recoveryClients(region, {
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-secret' },
    requestHandler: {
      handle: async (request: HttpRequest) => {
        const call = parseRequest(request);
        sent.push(call);
        return httpAnswer(call, () => answer(call));
      },
    },
  });
  return { aws, sent, state: s };
}

/** A run with no real waiting: sleeping moves a fake clock. */
function testRun(dryRun: boolean): PromotionRun & { lines: string[] } {
  let clock = 0;
  const lines: string[] = [];
  return {
    dryRun,
    lines,
    print: (line) => lines.push(line),
    waiter: pollingWaiter(
      async (ms) => {
        clock += ms;
      },
      () => clock,
    ),
  };
}

/** The operations that change nothing. */
const readOnly = /^(Describe|Get|List)/;
const writes = (sent: Sent[]) => sent.filter((c) => !readOnly.test(c.operation));
const named = (sent: Sent[]) => sent.map((c) => `${c.service} ${c.operation}`);

/** The form fields of an UpdateStack that sets `key` and keeps the other parameters and the template. */
const updateStackFields = (key: string, value: string) => {
  const order = [recoveryAppParameters.serving, recoveryAppParameters.activeRegion, 'BootstrapVersion'];
  return {
    StackName: stacks.app,
    UsePreviousTemplate: 'true',
    ...Object.fromEntries(
      order.flatMap((k, i) => [
        [`Parameters.member.${i + 1}.ParameterKey`, k],
        k === key ? [`Parameters.member.${i + 1}.ParameterValue`, value] : [`Parameters.member.${i + 1}.UsePreviousValue`, 'true'],
      ]),
    ),
    'Capabilities.member.1': 'CAPABILITY_IAM',
    'Capabilities.member.2': 'CAPABILITY_NAMED_IAM',
    'Capabilities.member.3': 'CAPABILITY_AUTO_EXPAND',
  };
};

describe('npm run dr -- promote: the AWS requests it sends', () => {
  it('--dry-run reads the region, prints every step with what it sends and how to check it, and sends no write', async () => {
    const { aws, sent } = fakeRegion();
    const run = testRun(true);
    await promote(aws, await readStandby(aws, { stackPrefix: 'Evermall' }), run);
    expect(named(sent)).toEqual([
      'cloudformation DescribeStacks',
      'cloudformation DescribeStacks',
      'cloudformation DescribeStacks',
      'rds DescribeDBInstances',
      'elasticfilesystem DescribeFileSystems',
      'elasticfilesystem DescribeReplicationConfigurations',
      'elasticache DescribeReplicationGroups',
      'secretsmanager DescribeSecret',
      'secretsmanager DescribeSecret',
      'secretsmanager DescribeSecret',
    ]);
    expect(sent.map((c) => c.input.StackName).slice(0, 3)).toEqual([stacks.data, stacks.storage, stacks.app]);
    const text = run.lines.join('\n');
    expect(text).toMatch(/^1\. Promote the database replica evermall-replica/m);
    expect(text).toContain(`rds PromoteReadReplica {"DBInstanceIdentifier":"evermall-replica","BackupRetentionPeriod":${topologyDatabase.backupRetentionDays}}`);
    expect(text).toContain('"SourceFileSystemId":"fs-primary","DeletionMode":"LOCAL_CONFIGURATION_ONLY"');
    expect(text).toMatch(/^6\. Point api\.<domain> at ap-northeast-3/m);
    expect(run.lines.filter((l) => l.trimStart().startsWith('check: '))).toHaveLength(6);
    expect(text).not.toContain('"password"');
    expect(text).toMatch(/Dry run: nothing was changed\.$/);
  });

  it('promotes the replica, the file system and the cache, then the logins, then scales up, then flips DNS, all in the recovery region', async () => {
    const { aws, sent, state } = fakeRegion();
    await promote(aws, await readStandby(aws, { stackPrefix: 'Evermall' }), testRun(false));

    for (const call of sent) {
      expect(call.hostname).toBe(`${call.service}.${region}.amazonaws.com`);
      expect(call.signedFor).toBe(`${region}/${call.service}`);
    }
    const logins = ['app', 'migrator', 'master'];
    expect(writes(sent).map(({ service, operation, input }) => ({ service, operation, input }))).toEqual([
      {
        service: 'rds',
        operation: 'PromoteReadReplica',
        input: { DBInstanceIdentifier: 'evermall-replica', BackupRetentionPeriod: String(topologyDatabase.backupRetentionDays) },
      },
      { service: 'elasticfilesystem', operation: 'DeleteReplicationConfiguration', input: { SourceFileSystemId: 'fs-primary', deletionMode: 'LOCAL_CONFIGURATION_ONLY' } },
      {
        service: 'elasticache',
        operation: 'DisassociateGlobalReplicationGroup',
        input: { GlobalReplicationGroupId: 'fpkhr-evermall-cache', ReplicationGroupId: 'evermall-cache-secondary', ReplicationGroupRegion: region },
      },
      ...logins.flatMap((name) => [
        { service: 'secretsmanager', operation: 'StopReplicationToReplica', input: { SecretId: secretArn(name) } },
        // ClientRequestToken: the SDK's idempotency token, so its own retry of a put makes one version.
        {
          service: 'secretsmanager',
          operation: 'PutSecretValue',
          input: { SecretId: secretArn(name), SecretString: expect.any(String), ClientRequestToken: expect.stringMatching(/^[0-9a-f-]{36}$/) },
        },
      ]),
      { service: 'cloudformation', operation: 'UpdateStack', input: updateStackFields(recoveryAppParameters.serving, 'true') },
      { service: 'cloudformation', operation: 'UpdateStack', input: updateStackFields(recoveryAppParameters.activeRegion, region) },
    ]);
    // Each login now names the promoted instance and keeps the rest, password included.
    for (const name of logins) {
      const put = sent.find((c) => c.operation === 'PutSecretValue' && c.input.SecretId === secretArn(name))!;
      expect(JSON.parse(put.input.SecretString!)).toEqual({ engine: 'postgres', host: endpoint, port: 5433, username: `evermall_${name}`, password: 'p' });
    }

    // Nothing reads the logins or scales the fleet before the three stateful tiers are done.
    const order = named(sent);
    const firstLogin = order.indexOf('secretsmanager StopReplicationToReplica');
    expect(order.lastIndexOf('rds DescribeDBInstances')).toBeLessThan(firstLogin);
    expect(order.lastIndexOf('elasticfilesystem DescribeFileSystems')).toBeLessThan(firstLogin);
    expect(order.lastIndexOf('elasticache DescribeReplicationGroups')).toBeLessThan(firstLogin);
    // DNS flips only once the fleet has topology's minimum of healthy instances.
    const [serve, flip] = sent.filter((c) => c.operation === 'UpdateStack');
    expect(order.indexOf('elasticloadbalancing DescribeTargetHealth')).toBeGreaterThan(sent.indexOf(serve!));
    expect(order.lastIndexOf('elasticloadbalancing DescribeTargetHealth')).toBeLessThan(sent.indexOf(flip!));
    expect(sent.filter((c) => c.operation === 'DescribeTargetHealth').every((c) => c.input.TargetGroupArn?.endsWith('targetgroup/shop/1'))).toBe(true);
    expect(state.healthy).toBe(autoScaling.minCapacity);
    expect(state.parameters).toMatchObject({ [recoveryAppParameters.serving]: 'true', [recoveryAppParameters.activeRegion]: region });
  });

  it('run again after it stopped waiting for the fleet, sends only what is left: no step twice', async () => {
    const fake = fakeRegion({ neverHealthy: true });
    const first = await promote(fake.aws, await readStandby(fake.aws, { stackPrefix: 'Evermall' }), testRun(false)).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(DrError);
    expect(first).toMatchObject({ code: 'DR_WAIT_TIMEOUT', message: expect.stringContaining('aws elbv2 describe-target-health --region ap-northeast-3') });
    // It stopped before DNS: one UpdateStack (Serving), none for ActiveRegion.
    expect(named(writes(fake.sent)).filter((w) => w === 'cloudformation UpdateStack')).toHaveLength(1);

    fake.state.neverHealthy = false;
    fake.sent.length = 0;
    const standby = await readStandby(fake.aws, { stackPrefix: 'Evermall' });
    expect(
      promotionPlan(standby)
        .flat()
        .map((s) => s.done),
    ).toEqual([true, true, true, false, true, false]);
    await promote(fake.aws, standby, testRun(false));
    // The logins are read again but already name the promoted instance; the fleet is waited for, not scaled again.
    expect(writes(fake.sent).map(({ operation, input }) => ({ operation, input }))).toEqual([
      { operation: 'UpdateStack', input: updateStackFields(recoveryAppParameters.activeRegion, region) },
    ]);
    expect(named(fake.sent)).toContain('elasticloadbalancing DescribeTargetHealth');
    expect(named(fake.sent)).not.toContain('elasticfilesystem DescribeReplicationConfigurations');
  });

  it('stops when the stack update rolls back, naming where to look, before touching DNS', async () => {
    const { aws, sent } = fakeRegion({ failStackUpdate: true });
    await expect(promote(aws, await readStandby(aws, { stackPrefix: 'Evermall' }), testRun(false))).rejects.toMatchObject({
      code: 'DR_STACK_UPDATE_FAILED',
      message: expect.stringContaining('describe-stack-events --region ap-northeast-3'),
    });
    expect(sent.filter((c) => c.operation === 'UpdateStack')).toHaveLength(1);
  });

  it('refuses a region without the recovery stacks (CloudFormation answers ValidationError)', async () => {
    const { aws, sent } = fakeRegion({ stackMissing: true });
    await expect(readStandby(aws, { stackPrefix: 'Evermall' })).rejects.toMatchObject({ code: 'DR_NOT_A_STANDBY', message: expect.stringContaining(stacks.data) });
    expect(sent).toHaveLength(1);
  });

  it('stops at the first refused call, changing nothing else, and says it in one line', async () => {
    const { aws, sent } = fakeRegion({ refuse: 'PromoteReadReplica' });
    const error = await promote(aws, await readStandby(aws, { stackPrefix: 'Evermall' }), testRun(false)).catch((e: unknown) => e);
    expect(named(writes(sent))).toEqual(['rds PromoteReadReplica']);
    const failure = asDrError(error);
    expect(failure?.code).toBe('DR_AWS_CALL_FAILED');
    expect(failure?.message).toMatch(/^AWS answered AccessDenied: .*not authorized to perform: rds:PromoteReadReplica; run the promotion again/);
    expect(failure?.message).not.toContain('\n');
  });
  it('says in one line when AWS is not reached', async () => {
    const aws = recoveryClients(region, {
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-secret' },
      requestHandler: {
        handle: () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND cloudformation.ap-northeast-3.amazonaws.com'), { code: 'ENOTFOUND' })),
      },
    });
    const failure = asDrError(await readStandby(aws, { stackPrefix: 'Evermall' }).catch((e: unknown) => e));
    expect(failure).toMatchObject({ code: 'DR_AWS_CALL_FAILED', message: expect.stringMatching(/^AWS was not reached \(getaddrinfo ENOTFOUND .*\); run the promotion again/) });
  });
});

describe('npm run dr (the command line)', () => {
  /**
   * The script as `npm run dr` runs it, with an environment holding no AWS credentials: no keys, a
   * HOME without ~/.aws, and the instance metadata service off, so the SDK's default chain ends
   * without sending anything.
   */
  function dr(...args: string[]) {
    const home = mkdtempSync(path.join(tmpdir(), 'evermall-dr-'));
    try {
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/dr.ts', ...args], {
        cwd: path.resolve(import.meta.dirname, '..'),
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: home,
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_CONFIG_FILE: path.join(home, 'config'),
          AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
        },
      });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }

  it('--help prints the usage', () => {
    const { status, stdout, stderr } = dr('--help');
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(stdout).toMatch(/^Usage: npm run dr -- promote --region <region>/);
  });

  it('without --region, or with an unknown option, says so in one line (exit 2)', () => {
    expect(dr('promote', '--dry-run')).toEqual({ status: 2, stdout: '', stderr: 'dr: DR_USAGE: promote needs --region <recovery region>, e.g. --region ap-northeast-3\n' });
    const unknown = dr('promote', '--region', region, '--force');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^dr: DR_USAGE: Unknown option '--force'.*\(npm run dr -- --help\)\n$/);
  });

  it('without AWS credentials, fails in one line naming what to set, before reading anything (exit 1)', () => {
    const { status, stdout, stderr } = dr('promote', '--region', region, '--dry-run');
    expect({ status, stdout }).toEqual({ status: 1, stdout: '' });
    expect(stderr).toMatch(/^dr: DR_NO_CREDENTIALS: no AWS credentials \(Could not load credentials from any providers\): set AWS_PROFILE .*\n$/);
    expect(stderr.split('\n')).toHaveLength(2);
  });
});
