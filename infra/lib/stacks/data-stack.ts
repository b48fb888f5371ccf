import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { Backups } from '../constructs/backups.js';
import { Cache } from '../constructs/cache.js';
import { Database } from '../constructs/database.js';
import { DatabaseRoles } from '../constructs/database-roles.js';
import { PaymentProvider } from '../constructs/payment-provider.js';
import { SharedMedia } from '../constructs/shared-media.js';
import { ShopRegistry } from '../constructs/shop-registry.js';
import type { ProfileSettings } from '../parameters.js';

/** The Data stack's output naming the shop's ECR repository (compute=eks), read by the deploy workflow. */
export const shopRepositoryOutput = 'ShopRepositoryUri';

export interface DataStackProps extends StackProps {
  readonly vpc: ec2.IVpc;
  readonly appSecurityGroup: ec2.ISecurityGroup;
  /** The DatabaseRoles function's group (SecurityGroups.databaseRoles). */
  readonly databaseRolesSecurityGroup: ec2.ISecurityGroup;
  /** The order event consumers' group (SecurityGroups.eventConsumers), which the database admits. */
  readonly eventConsumersSecurityGroup: ec2.ISecurityGroup;
  /** The cache's group (SecurityGroups.cache): the cache port from the app group only. */
  readonly cacheSecurityGroup: ec2.ISecurityGroup;
  /** Cache replicas besides the primary (parameter cacheReplicas). */
  readonly cacheReplicas: number;
  readonly settings: ProfileSettings;
  readonly iamDatabaseAuth: boolean;
  readonly secretRotationDays: number;
  /** Deletion protection on the database instances (parameter deletionProtection). */
  readonly deletionProtection: boolean;
  /** With eks: the shop's ECR repository is made here, before the workflow pushes the image. */
  readonly compute: 'ec2' | 'eks';
}

/**
 * Stateful resources: the database (and, created at deploy, the shop's roles in it), the cache in
 * front of it, the media file system, their backups, and the payment provider's keys, which the
 * operator puts before the App stack's instances start. Their ids never change. The cache lives
 * here beside the database because, like it, it is reached from the isolated subnets and must exist
 * before the App stack's instances write its endpoint and AUTH secret into their environment. With
 * compute=eks the shop's image repository is here too, so it exists before the workflow pushes.
 */
export class DataStack extends Stack {
  public readonly database: Database;
  public readonly media: SharedMedia;
  public readonly backups: Backups;
  public readonly databaseRoles: DatabaseRoles;
  public readonly paymentProvider: PaymentProvider;
  public readonly cache: Cache;
  /** Only with compute=eks. */
  public readonly registry?: ShopRegistry;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    this.database = new Database(this, 'Database', {
      vpc: props.vpc,
      appSecurityGroup: props.appSecurityGroup,
      databaseRolesSecurityGroup: props.databaseRolesSecurityGroup,
      eventConsumersSecurityGroup: props.eventConsumersSecurityGroup,
      instanceType: props.settings.databaseInstanceType,
      readReplica: props.settings.readReplica,
      allocatedStorageGiB: props.settings.allocatedStorageGiB,
      maxAllocatedStorageGiB: props.settings.maxAllocatedStorageGiB,
      iamAuthentication: props.iamDatabaseAuth,
      rotationDays: props.secretRotationDays,
      deletionProtection: props.deletionProtection,
    });
    this.databaseRoles = new DatabaseRoles(this, 'DatabaseRoles', {
      vpc: props.vpc,
      securityGroup: props.databaseRolesSecurityGroup,
      instance: this.database.instance,
      databaseSecurityGroup: this.database.securityGroup,
      masterSecret: this.database.masterSecret,
      appSecret: this.database.appSecret,
      migratorSecret: this.database.migratorSecret,
      consumerSecret: this.database.consumerSecret,
    });
    this.cache = new Cache(this, 'Cache', {
      vpc: props.vpc,
      securityGroup: props.cacheSecurityGroup,
      nodeType: props.settings.cacheNodeType,
      replicas: props.cacheReplicas,
    });
    this.paymentProvider = new PaymentProvider(this, 'PaymentProvider', { retain: props.deletionProtection });
    this.media = new SharedMedia(this, 'Media', { vpc: props.vpc, appSecurityGroup: props.appSecurityGroup });
    if (props.compute === 'eks') {
      this.registry = new ShopRegistry(this, 'ShopRegistry');
      // Where the deploy workflow pushes the image (.github/workflows/deploy.yml).
      new CfnOutput(this, shopRepositoryOutput, { description: 'The shop image repository (compute=eks)', value: this.registry.repository.repositoryUri });
    }
    this.backups = new Backups(this, 'Backups', { database: this.database.instance, fileSystem: this.media.fileSystem });
  }
}
