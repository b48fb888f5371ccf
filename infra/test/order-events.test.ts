import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { databasePort, eventConsumers } from '@evermall/topology';
import { consumerRole } from '@evermall/shop/db-roles';
import { deadLetterQueueOf, filterPolicyOf, ORDER_NOTIFIER_QUEUE, SHOP_QUEUES, type QueueSpec } from '@evermall/shop/release';
import { cdkJsonContext, exampleDomain } from '../lib/configurations.js';
import { consumerEnvironment, eventQueueRetentionDays, lambdaCaBundle, OrderEvents } from '../lib/constructs/order-events.js';
import { otlpReceiver } from '../lib/constructs/user-data.js';
import { shopRelease } from '../lib/constructs/shop-release.js';
import { defaultMailbox, parseParameters } from '../lib/parameters.js';
import { only, renderText, resourcesOf, synthesize, template, type CfnJson, type ResourceOf, type Synthesized } from './support/synthesized.js';

// The order events on AWS (issue 16): SNS FIFO → one SQS FIFO queue per consumer → a Lambda each.
// The production profile with the example domain (EC2), and compute=eks for the shop's side there.
let s: Synthesized;
let eks: Synthesized;
beforeAll(() => {
  s = synthesize('example');
  eks = synthesize('eks');
});

const mailFrom = `${defaultMailbox}@${exampleDomain.domainName}`;
const ref = (value: CfnJson): string => JSON.stringify(value);
const logicalId = (r: ResourceOf): string => r.id;

/** A consumer's queue (or its dead-letter queue) by the name infra gives it: `<stack>-<name>.fifo`. */
function queueNamed(name: string): ResourceOf {
  const found = resourcesOf(template(s, 'app'), 'AWS::SQS::Queue').filter((q) => renderText(q.Properties.QueueName) === `\${Ref:"AWS::StackName"}-${name}.fifo`);
  if (found.length !== 1) throw new Error(`expected one queue named ${name}, found ${found.length}`);
  return found[0]!;
}
const functionOf = (spec: QueueSpec): ResourceOf => {
  const found = resourcesOf(template(s, 'app'), 'AWS::Lambda::Function').filter((f) => String(f.Properties.Description).includes(`the ${spec.name} consumer`));
  if (found.length !== 1) throw new Error(`expected one ${spec.name} function, found ${found.length}`);
  return found[0]!;
};
const statementsOfRole = (t: Template, roleRef: CfnJson): CfnJson[] =>
  resourcesOf(t, 'AWS::IAM::Policy')
    .filter((p) => ref(p.Properties.Roles).includes(ref(roleRef)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as CfnJson[]);
const actionsOf = (statement: CfnJson): string[] => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);
/** The order events topic (the App stack also has the fleet's events topic, a standard one). */
const orderTopic = (t: Template): ResourceOf => {
  const found = resourcesOf(t, 'AWS::SNS::Topic').filter((x) => x.Properties.FifoTopic === true);
  if (found.length !== 1) throw new Error(`expected one FIFO topic, found ${found.length}`);
  return found[0]!;
};

describe('the order events topic', () => {
  it('is one SNS FIFO topic with per-message-group throughput, encrypted with its own rotating key, TLS only', () => {
    const t = template(s, 'app');
    const topic = orderTopic(t);
    expect(topic.Properties).toMatchObject({ FifoTopic: true, FifoThroughputScope: 'MessageGroup' });
    const key = resourcesOf(t, 'AWS::KMS::Key').find((k) => ref(topic.Properties.KmsMasterKeyId).includes(k.id));
    expect(key?.Properties.EnableKeyRotation).toBe(true);
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic.id }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('is what the instances publish to: EVENT_BROKER_URL is its ARN, and their role may publish and use its key', () => {
    const t = template(s, 'app');
    const topic = orderTopic(t);
    const userData = renderText(only(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData);
    expect(userData).toContain(`Environment=EVENT_BROKER_URL=\${Ref:"${topic.id}"}\n`);
    const statements = statementsOfRole(t, { Ref: resourcesOf(t, 'AWS::IAM::Role').find((r) => r.id.startsWith('FleetInstanceRole'))!.id });
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'sns:Publish', Resource: { Ref: topic.id } }));
    const keyUse = statements.filter((x) => actionsOf(x).some((action) => action.startsWith('kms:')));
    expect(keyUse).toEqual([expect.objectContaining({ Resource: topic.Properties.KmsMasterKeyId })]);
    expect(actionsOf(keyUse[0]).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('is what the pods publish to on EKS: the chart gets its ARN and the shop pods’ role may publish', () => {
    const t = template(eks, 'app');
    const topic = orderTopic(t);
    const chart = resourcesOf(t, 'Custom::AWSCDK-EKS-HelmChart').find((c) => c.Properties.Release === shopRelease.name);
    expect(renderText(chart?.Properties.Values)).toContain(`"events":{"brokerUrl":"\${Ref:"${topic.id}"}"}`);
    const podRole = resourcesOf(t, 'AWS::IAM::Role').find((r) => r.id.startsWith('ShopClusterShopPods'));
    expect(statementsOfRole(t, { Ref: podRole!.id })).toContainEqual(expect.objectContaining({ Action: 'sns:Publish', Resource: { Ref: topic.id } }));
  });
});

describe.each(SHOP_QUEUES.map((spec) => [spec.name, spec] as const))('the %s consumer', (_name, spec) => {
  it('has a FIFO queue and a FIFO dead-letter queue, named from the spec, encrypted, TLS only', () => {
    const queue = queueNamed(spec.name);
    const deadLetters = queueNamed(deadLetterQueueOf(spec.name));
    for (const q of [queue, deadLetters]) {
      expect(q.Properties).toMatchObject({
        FifoQueue: true,
        SqsManagedSseEnabled: true,
        DeduplicationScope: 'messageGroup',
        FifoThroughputLimit: 'perMessageGroupId',
        MessageRetentionPeriod: eventQueueRetentionDays * 86_400,
      });
      template(s, 'app').hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: q.id }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
  });

  it('moves a message to the dead-letter queue after the spec’s maxDeliveries receives', () => {
    const queue = queueNamed(spec.name);
    expect(queue.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [queueNamed(deadLetterQueueOf(spec.name)).id, 'Arn'] },
      maxReceiveCount: spec.maxDeliveries,
    });
  });

  it('subscribes its queue to the topic with raw delivery and exactly the spec’s filter policy', () => {
    const t = template(s, 'app');
    const queue = queueNamed(spec.name);
    const subscription = resourcesOf(t, 'AWS::SNS::Subscription').filter((x) => ref(x.Properties.Endpoint) === ref({ 'Fn::GetAtt': [queue.id, 'Arn'] }));
    expect(subscription).toHaveLength(1);
    expect(subscription[0]!.Properties).toEqual({
      Protocol: 'sqs',
      TopicArn: { Ref: orderTopic(t).id },
      Endpoint: { 'Fn::GetAtt': [queue.id, 'Arn'] },
      RawMessageDelivery: true,
      FilterPolicy: filterPolicyOf(spec),
    });
    // SNS may send to the queue: its policy admits the topic only.
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue.id }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sqs:SendMessage', Principal: { Service: 'sns.amazonaws.com' }, Condition: { ArnEquals: { 'aws:SourceArn': { Ref: orderTopic(t).id } } } }),
        ]),
      },
    });
  });

  it('is read by its function in batches, reporting partial batch failures, with topology’s batch size and concurrency', () => {
    const mapping = resourcesOf(template(s, 'app'), 'AWS::Lambda::EventSourceMapping').filter((m) => ref(m.Properties.FunctionName) === ref({ Ref: logicalId(functionOf(spec)) }));
    expect(mapping).toHaveLength(1);
    expect(mapping[0]!.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [queueNamed(spec.name).id, 'Arn'] },
      BatchSize: eventConsumers.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: eventConsumers.concurrency },
    });
  });

  it('has topology’s timeout, memory and visibility timeout, the last at least six times the function’s timeout', () => {
    const fn = functionOf(spec);
    const queue = queueNamed(spec.name);
    // Parity: what the template renders is what topology says, which the twin's runner runs too (twin/src/functions/event-consumers.test.ts).
    expect({ timeoutSeconds: fn.Properties.Timeout, memoryMb: fn.Properties.MemorySize, visibilityTimeoutSeconds: queue.Properties.VisibilityTimeout }).toEqual({
      timeoutSeconds: eventConsumers.timeoutSeconds,
      memoryMb: eventConsumers.memoryMb,
      visibilityTimeoutSeconds: eventConsumers.visibilityTimeoutSeconds,
    });
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Properties.Timeout);
  });

  it('bundles its handler without the shop’s HTTP app: no fastify, no argon2 and no native binary', () => {
    const fn = s.stacks.app.orderEvents.consumers.find((c) => c.spec.name === spec.name)?.function;
    const asset = fn?.node.findAll().find((c): c is s3assets.Asset => 'assetPath' in c && typeof (c as s3assets.Asset).assetPath === 'string');
    const files = readdirSync(asset!.assetPath, { recursive: true, encoding: 'utf8' });
    expect(files.filter((f) => f.endsWith('.node'))).toEqual([]);
    const bundle = readFileSync(path.join(asset!.assetPath, 'index.mjs'), 'utf8');
    expect(bundle).not.toMatch(/node_modules\/(fastify|@fastify|@node-rs\/argon2)\//);
    // It does carry what it needs: the Secrets Manager client its login comes from.
    expect(bundle).toContain('GetSecretValue');
  });

  it('runs its handler from the functions workspace on Node 24 x86_64, traced, in the app subnets with the consumers’ group and their login', () => {
    const fn = functionOf(spec);
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['x86_64'], Handler: 'index.handler', TracingConfig: { Mode: 'Active' } });
    expect(ref(fn.Properties.VpcConfig.SubnetIds)).toMatch(/appSubnet1.*appSubnet2/);
    expect(ref(fn.Properties.VpcConfig.SecurityGroupIds)).toContain('SecurityGroupsEventConsumers');
    const env = fn.Properties.Environment.Variables;
    // Where, with no password (verified against the runtime's CA bundle), and who: the consumers' secret.
    expect(renderText(env[consumerEnvironment.databaseUrl])).toMatch(
      new RegExp(
        `^postgres://${consumerRole}@\\$\\{Fn::ImportValue:"[^"]*DatabaseInstance[^"]*EndpointAddress[^"]*"\\}:${databasePort}/evermall\\?sslmode=verify-full&sslrootcert=${lambdaCaBundle}$`,
      ),
    );
    expect(ref(env[consumerEnvironment.databaseSecretArn])).toMatch(/DatabaseConsumerSecretAttachment/);
    expect(env.NODE_EXTRA_CA_CERTS).toBe(lambdaCaBundle);
    const notifier = spec.name === ORDER_NOTIFIER_QUEUE.name;
    expect(env[consumerEnvironment.mailFrom]).toBe(notifier ? mailFrom : undefined);
    expect(env[consumerEnvironment.mailTransport]).toBe(notifier ? 'ses' : undefined);
    // Its role reads the consumers' login and no other database secret.
    const reads = statementsOfRole(template(s, 'app'), { Ref: fn.Properties.Role['Fn::GetAtt'][0] })
      .filter((x) => actionsOf(x).includes('secretsmanager:GetSecretValue'))
      .map((x) => ref(x.Resource));
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatch(/DatabaseConsumerSecretAttachment/);
  });

  it('may send mail only if it is the notifier, and only as the configured sender', () => {
    const fn = functionOf(spec);
    const ses = statementsOfRole(template(s, 'app'), { Ref: fn.Properties.Role['Fn::GetAtt'][0] }).filter((x) => actionsOf(x).some((a) => a.startsWith('ses:')));
    if (spec.name !== ORDER_NOTIFIER_QUEUE.name) {
      expect(ses).toEqual([]);
      return;
    }
    expect(ses).toHaveLength(1);
    expect(actionsOf(ses[0]).sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
    expect((ses[0].Resource as CfnJson[]).map(renderText)).toEqual(
      [mailFrom, exampleDomain.domainName].map((identity) => `arn:aws:ses:ap-northeast-2:\${Ref:"AWS::AccountId"}:identity/${identity}`),
    );
  });

  it('has an alarm on any dead-lettered message and one on a backlog, to the alarm topic', () => {
    const t = template(s, 'observability');
    const alarms = resourcesOf(t, 'AWS::CloudWatch::Alarm');
    const alarmTopic = only(t, 'AWS::SNS::Topic').id;
    const onQueue = (metric: string, queue: ResourceOf) => alarms.filter((a) => a.Properties.MetricName === metric && ref(a.Properties.Dimensions).includes(queue.id));
    const [dead] = onQueue('ApproximateNumberOfMessagesVisible', queueNamed(deadLetterQueueOf(spec.name)));
    expect(dead?.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      AlarmActions: [{ Ref: alarmTopic }],
    });
    const [backlog] = onQueue('ApproximateAgeOfOldestMessage', queueNamed(spec.name));
    expect(backlog?.Properties).toMatchObject({ Namespace: 'AWS/SQS', ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [{ Ref: alarmTopic }] });
  });
});

describe('the consumers’ database access', () => {
  it('lets the consumers’ group into the database on its port, and nothing into the consumers’ group', () => {
    const db = resourcesOf(template(s, 'data'), 'AWS::EC2::SecurityGroup').find((g) => String(g.Properties.GroupDescription).startsWith('RDS'));
    const fromConsumers = resourcesOf(template(s, 'data'), 'AWS::EC2::SecurityGroupIngress').filter(
      (r) => ref(r.Properties.GroupId).includes(db!.id) && ref(r.Properties.SourceSecurityGroupId).includes('SecurityGroupsEventConsumers'),
    );
    expect(fromConsumers).toEqual([expect.objectContaining({ Properties: expect.objectContaining({ IpProtocol: 'tcp', FromPort: databasePort, ToPort: databasePort }) })]);
    const consumers = resourcesOf(template(s, 'network'), 'AWS::EC2::SecurityGroup').find((g) => g.id.startsWith('SecurityGroupsEventConsumers'));
    expect(consumers?.Properties.SecurityGroupIngress).toBeUndefined();
    expect(resourcesOf(template(s, 'network'), 'AWS::EC2::SecurityGroupIngress').filter((r) => ref(r.Properties.GroupId).includes(consumers!.id))).toEqual([]);
  });

  it('has a login of its own, rotated by alternating users, whose role the deploy creates with the others', () => {
    const t = template(s, 'data');
    const secret = resourcesOf(t, 'AWS::SecretsManager::Secret').find((x) =>
      ref(x.Properties.GenerateSecretString?.SecretStringTemplate).includes(`username\\":\\"${consumerRole}\\"`),
    );
    expect(secret).toBeDefined();
    const schedule = resourcesOf(t, 'AWS::SecretsManager::RotationSchedule').find((x) => ref(x.Properties.SecretId).includes('ConsumerSecret'));
    expect(schedule?.Properties.RotateImmediatelyOnUpdate).toBe(false);
    const [, roles] = Object.entries(t.findResources('Custom::EvermallDatabaseRoles'))[0] as [string, CfnJson];
    expect(roles.Properties.ConsumerRole).toBe(consumerRole);
    expect(ref(roles.Properties.ConsumerSecretArn)).toMatch(/DatabaseConsumerSecretAttachment/);
  });

  it('is not the instances’: their role never names the consumers’ login', () => {
    const t = template(s, 'app');
    const role = resourcesOf(t, 'AWS::IAM::Role').find((r) => r.id.startsWith('FleetInstanceRole'))!;
    expect(ref(statementsOfRole(t, { Ref: role.id }))).not.toMatch(/DatabaseConsumerSecret/);
  });
});

describe('tracing on AWS', () => {
  it('has the instances’ CloudWatch agent receive OTLP on loopback, where the shop’s exporter sends, with the X-Ray permissions of its policy', () => {
    const t = template(s, 'app');
    const userData = renderText(only(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData);
    const agent = /<<'AGENT'\n([\s\S]*?)\nAGENT\n/.exec(userData)?.[1];
    const config = JSON.parse(agent!.replace(/\$\{[^}]*\}/g, 'x')) as { traces: { traces_collected: { otlp: { http_endpoint: string; grpc_endpoint: string } } } };
    expect(config.traces.traces_collected.otlp).toEqual({ http_endpoint: '127.0.0.1:4318', grpc_endpoint: '127.0.0.1:4317' });
    expect(userData).toContain(`Environment=OTEL_EXPORTER_OTLP_ENDPOINT=http://${otlpReceiver.http}\n`);
    const role = resourcesOf(t, 'AWS::IAM::Role').find((r) => r.id.startsWith('FleetInstanceRole'))!;
    expect(ref(role.Properties.ManagedPolicyArns)).toContain('CloudWatchAgentServerPolicy');
  });
});

describe('a configuration without a mail sender', () => {
  it('has no sender by default without a domain, orders@<domain> with one, and the parameter over both', () => {
    expect(parseParameters({}).mailFrom).toBeUndefined();
    expect(parseParameters({ ...exampleDomain }).mailFrom).toBe(mailFrom);
    expect(parseParameters({ ...exampleDomain, mailFrom: 'shop@mail.example.org' }).mailFrom).toBe('shop@mail.example.org');
    expect(() => parseParameters({ mailFrom: 'Evermall <shop@example.org>' })).toThrow(/Invalid parameter mailFrom/);
  });

  it('deploys every queue but not the notifier, and says so at synthesis', () => {
    const app = new App({ context: cdkJsonContext() });
    const stack = new Stack(app, 'Events', { env: { region: 'ap-northeast-2' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const events = new OrderEvents(stack, 'OrderEvents', {
      vpc,
      securityGroup: new ec2.SecurityGroup(stack, 'Consumers', { vpc }),
      databaseSecret: new secretsmanager.Secret(stack, 'Login'),
      database: { host: 'db.example.internal', port: databasePort, name: 'evermall' },
    });
    const t = Template.fromStack(stack);
    expect(resourcesOf(t, 'AWS::SQS::Queue')).toHaveLength(2 * SHOP_QUEUES.length);
    expect(events.consumers.find((c) => c.spec.name === ORDER_NOTIFIER_QUEUE.name)?.function).toBeUndefined();
    expect(events.consumers.filter((c) => c.function)).toHaveLength(SHOP_QUEUES.length - 1);
    expect(resourcesOf(t, 'AWS::Lambda::EventSourceMapping')).toHaveLength(SHOP_QUEUES.length - 1);
    Annotations.fromStack(stack).hasWarning('/Events/OrderEvents', Match.stringLikeRegexp(`No mail sender.*${ORDER_NOTIFIER_QUEUE.name}`));
  });
});
