import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { connect, migrate, type DatabaseCredentials, type Sql } from '@evermall/shop/db';
import { consumerRole, provisionDatabaseRoles, rotateAlternatingUser } from '@evermall/shop/db-roles';
import { announceStockLow, createProducts } from '@evermall/shop/testing';
import { PostgresServer } from '@evermall/testkit';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf } from '../testing/shop-fixtures.js';
import { consumerDatabase, type ConsumerDatabase } from './consumer-database.js';
import { DatabaseSecretError, readDatabaseSecret } from './database-secret.js';
import { createSalesFeed, SALES_FEED } from './sales-feed.js';

const SECRET_ARN = 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:evermall-consumer-AbCdEf';

/** An HTTP request as the SDK hands it to its request handler: signed, serialized, about to be sent. */
interface SentRequest {
  method: string;
  hostname: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * No Secrets Manager endpoint answers here, so the real SecretsManagerClient runs with a request
 * handler of our own in place of its HTTP one: every request is serialized and signed as it would
 * be for AWS, recorded, and answered with the secret `stored()` holds then, with no network.
 */
function secretsClient(stored: () => object | undefined) {
  const sent: SentRequest[] = [];
  const client = new SecretsManagerClient({
    region: 'ap-northeast-2',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-secret' },
    requestHandler: {
      handle: async (request: Omit<SentRequest, 'body'> & { body?: unknown }) => {
        const body = request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : typeof request.body === 'string' ? request.body : '';
        sent.push({ method: request.method, hostname: request.hostname, path: request.path, headers: request.headers, body });
        const secret = stored();
        const answer = { ARN: SECRET_ARN, Name: 'evermall-consumer', VersionId: 'v1', VersionStages: ['AWSCURRENT'], ...(secret ? { SecretString: JSON.stringify(secret) } : {}) };
        return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Readable.from([Buffer.from(JSON.stringify(answer))]) } };
      },
    },
  });
  return { client, sent };
}

/** An RDS secret for a PostgreSQL login: more fields than the login, which are not ours to use. */
const rdsSecret = (login: DatabaseCredentials) => ({ engine: 'postgres', host: 'writer.example.internal', port: 5433, dbname: 'evermall', ...login });

describe('the consumers’ login from Secrets Manager: the request', () => {
  it('asks GetSecretValue for the secret, signed for its region, and takes its username and password', async () => {
    const { client, sent } = secretsClient(() => rdsSecret({ username: consumerRole, password: 'pw-1' }));
    expect(await readDatabaseSecret(client, SECRET_ARN)).toEqual({ username: consumerRole, password: 'pw-1' });

    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', hostname: 'secretsmanager.ap-northeast-2.amazonaws.com', path: '/' });
    expect(sent[0]!.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
    expect(sent[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/ap-northeast-2\/secretsmanager\/aws4_request/);
    expect(JSON.parse(sent[0]!.body)).toEqual({ SecretId: SECRET_ARN });
  });

  it('refuses a secret without a login, naming the secret', async () => {
    for (const secret of [undefined, { username: consumerRole }, { username: '', password: 'x' }]) {
      const { client } = secretsClient(() => secret);
      await expect(readDatabaseSecret(client, SECRET_ARN)).rejects.toThrow(DatabaseSecretError);
    }
    await expect(readDatabaseSecret(secretsClient(() => ({ password: 'x' })).client, SECRET_ARN)).rejects.toThrow(`database secret ${SECRET_ARN} must hold`);
  });

  it('reads the ARN from the environment and refuses one that is no secret’s, or a login given twice', async () => {
    const url = `postgres://${consumerRole}@127.0.0.1:1/evermall?sslmode=disable`;
    const { client } = secretsClient(() => undefined);
    await expect(consumerDatabase({ CONSUMER_DATABASE_URL: url, CONSUMER_DATABASE_SECRET_ARN: 'evermall-consumer' }, SALES_FEED, { secrets: client })).rejects.toThrow(
      'CONSUMER_DATABASE_SECRET_ARN must be a Secrets Manager secret ARN',
    );
    await expect(
      consumerDatabase({ CONSUMER_DATABASE_URL: url, CONSUMER_DATABASE_SECRET_ARN: SECRET_ARN, CONSUMER_DATABASE_CREDENTIALS_FILE: '/run/secret.json' }, SALES_FEED, {
        secrets: client,
      }),
    ).rejects.toThrow('CONSUMER_DATABASE_SECRET_ARN and CONSUMER_DATABASE_CREDENTIALS_FILE both give the login');
  });
});

/**
 * The sales feed logging in with the secret's login on a PostgreSQL that checks passwords
 * (scram-sha-256 for everyone but the superuser), while the secret rotates by alternating users.
 */
describe('the consumers’ login from Secrets Manager: rotation', () => {
  let dir: string;
  let server: PostgresServer;
  let admin: Sql;
  let secret: DatabaseCredentials;
  let db: ConsumerDatabase;
  let requests: SentRequest[];
  const failedIds = (response: SQSBatchResponse) => response.batchItemFailures.map((f) => f.itemIdentifier);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-consumer-login-'));
    chmodSync(dir, 0o755);
    const hba = path.join(dir, 'pg_hba.conf');
    writeFileSync(hba, 'local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n', { mode: 0o644 });
    server = await PostgresServer.start({ settings: { hba_file: hba }, fast: true });
    admin = connect(server.url(), { max: 2, applicationName: 'functions-test' });
    secret = { username: consumerRole, password: 'consumer-pw-1' };
    await provisionDatabaseRoles(admin, { app: 'app-pw', migrator: 'migrator-pw', consumer: secret.password });
    await migrate(admin);
    const { client, sent } = secretsClient(() => rdsSecret(secret));
    requests = sent;
    db = await consumerDatabase(
      { CONSUMER_DATABASE_URL: `postgres://${consumerRole}@127.0.0.1:${server.port}/postgres?sslmode=disable`, CONSUMER_DATABASE_SECRET_ARN: SECRET_ARN },
      SALES_FEED,
      { secrets: client },
    );
  });
  afterAll(async () => {
    await Promise.all([db?.sql.end({ timeout: 1 }), admin?.end({ timeout: 1 })]);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Ends the feed's connections, as idle timeouts and recycled environments do: the next record opens a new one. */
  const dropConnections = async () => {
    const feedBackends = () => admin`SELECT pid FROM pg_stat_activity WHERE application_name = ${`evermall-${SALES_FEED}`}`;
    await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${`evermall-${SALES_FEED}`}`;
    while ((await feedBackends()).length > 0) await new Promise((r) => setTimeout(r, 20));
    // The pool learns of the closed sockets from its own event loop turn; give it one before the next record.
    await new Promise((r) => setTimeout(r, 50));
  };
  /** The secret's next rotation, as Secrets Manager's alternating-users function does it. */
  const rotate = async () => {
    secret = await rotateAlternatingUser(admin, secret, `consumer-pw-${Date.now()}-${Math.random()}`);
  };
  const stockLow = async () => {
    const [product] = await createProducts(admin, 1);
    return announceStockLow(admin, product!.id, 2, 10);
  };
  const recorded = async (eventId: number) => (await admin`SELECT 1 FROM analytics.stock_low WHERE event_id = ${eventId}`).length;

  it('reads the secret once at the start, keeps its user through one rotation, and reads it again when the rotation after next refuses it', async () => {
    const warnings: object[] = [];
    const feed = createSalesFeed({ ...db, log: { warn: (fields) => warnings.push(fields) } });
    const first = await stockLow();
    expect(failedIds(await feed(batchOf(SALES_FEED, [first])))).toEqual([]);
    expect(requests).toHaveLength(1);

    // One rotation: the other user gets a new password and becomes current; ours still logs in.
    await rotate();
    await dropConnections();
    const second = await stockLow();
    expect(failedIds(await feed(batchOf(SALES_FEED, [second])))).toEqual([]);
    expect(requests).toHaveLength(1);

    // The rotation after next changes our user's password: the new connection is refused, the
    // secret is read again, and the same record goes through with its current login.
    await rotate();
    await dropConnections();
    const third = await stockLow();
    expect(failedIds(await feed(batchOf(SALES_FEED, [third])))).toEqual([]);
    expect(requests).toHaveLength(2);
    expect(warnings).toEqual([]);
    expect([await recorded(first.id), await recorded(second.id), await recorded(third.id)]).toEqual([1, 1, 1]);
    const [session] = await db.sql<{ user: string }[]>`SELECT current_user AS user`;
    expect(session!.user).toBe(secret.username);
  });

  it('fails the record when the secret holds no better login: the refusal had another cause', async () => {
    const warnings: { err?: { type: string } }[] = [];
    const feed = createSalesFeed({ ...db, log: { warn: (fields) => warnings.push(fields) } });
    const [statement] = await admin<{ text: string }[]>`SELECT format('ALTER ROLE %I WITH PASSWORD %L', ${secret.username}::text, 'not-in-the-secret') AS text`;
    await admin.unsafe(statement!.text);
    await dropConnections();
    const before = requests.length;
    const event = await stockLow();
    const batch = batchOf(SALES_FEED, [event]);
    expect(failedIds(await feed(batch))).toEqual([batch.Records[0]!.messageId]);
    expect(requests).toHaveLength(before + 1);
    expect(warnings.map((w) => w.err?.type)).toEqual(['28P01']);
    expect(await recorded(event.id)).toBe(0);
  });
});
