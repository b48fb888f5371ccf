import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CustomResource, Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { consumerRole } from '@evermall/shop/db-roles';
import { databaseRoles } from '@evermall/shop/release';

/** The shop's roles module, which the function bundles: its statements are the ones applied. */
const shopRolesModule = createRequire(import.meta.url).resolve('@evermall/shop/db-roles');

export interface DatabaseRolesProps {
  readonly vpc: ec2.IVpc;
  /** The function's own group, which the database admits (SecurityGroups.databaseRoles). */
  readonly securityGroup: ec2.ISecurityGroup;
  readonly instance: rds.DatabaseInstance;
  /** The database's group: its rule admitting the function must exist before the function runs. */
  readonly databaseSecurityGroup: ec2.ISecurityGroup;
  readonly masterSecret: secretsmanager.ISecret;
  readonly appSecret: secretsmanager.ISecret;
  readonly migratorSecret: secretsmanager.ISecret;
  /** The order event consumers' login: the role is created with its password too. */
  readonly consumerSecret: secretsmanager.ISecret;
}

const handlerDir = fileURLToPath(new URL('../../lambda/db-roles/', import.meta.url));

/**
 * The shop's database roles (`evermall_app`, `evermall_migrator`) and their grants, created and
 * updated at deploy by a CloudFormation custom resource instead of by every instance's boot, so
 * the instances never read the master secret. A Lambda function in the app subnets (it reaches
 * Secrets Manager through the NAT gateways, as the rotation functions do) logs in as the master
 * user over verified TLS; its code is infra/lambda/db-roles, bundled by esbuild at synth.
 */
export class DatabaseRoles extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: DatabaseRolesProps) {
    super(scope, id);
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      description: 'Evermall: creates or updates the shop database roles and grants as the master user (CloudFormation custom resource)',
      entry: `${handlerDir}handler.ts`,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.X86_64,
      timeout: Duration.minutes(2),
      memorySize: 256,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [props.securityGroup],
      environment: {
        // The runtime's Amazon CA bundle, RDS's included (Lambda Developer Guide, "Building Lambda functions with Node.js":
        // from Node.js 20 on, set NODE_EXTRA_CA_CERTS to load it).
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        // The runtime ships the AWS SDK v3; the handler loads it from there.
        externalModules: ['@aws-sdk/*'],
        // Bundled with the esbuild in node_modules; there is no Docker on the build machines.
        forceDockerBundling: false,
      },
      depsLockFilePath: fileURLToPath(new URL('../../../package-lock.json', import.meta.url)),
      projectRoot: fileURLToPath(new URL('../../../', import.meta.url)),
    });
    for (const secret of [props.masterSecret, props.appSecret, props.migratorSecret, props.consumerSecret]) secret.grantRead(this.function);

    const provider = new cr.Provider(this, 'Provider', { onEventHandler: this.function });
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::EvermallDatabaseRoles',
      properties: {
        MasterSecretArn: props.masterSecret.secretArn,
        AppSecretArn: props.appSecret.secretArn,
        MigratorSecretArn: props.migratorSecret.secretArn,
        ConsumerSecretArn: props.consumerSecret.secretArn,
        AppRole: databaseRoles.app,
        MigratorRole: databaseRoles.migrator,
        ConsumerRole: consumerRole,
        // A change to the statements re-runs them on the next deploy (an Update).
        Revision: createHash('sha256')
          .update(readFileSync(shopRolesModule))
          .update(readFileSync(`${handlerDir}handler.ts`))
          .digest('hex')
          .slice(0, 16),
      },
    });
    // The database must accept the function's connections before it runs.
    this.resource.node.addDependency(props.instance, props.databaseSecurityGroup);
  }
}
