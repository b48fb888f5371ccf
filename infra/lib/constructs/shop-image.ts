import { createHash } from 'node:crypto';
import { ArnFormat, Aws, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as imagebuilder from 'aws-cdk-lib/aws-imagebuilder';
import { Construct } from 'constructs';

/**
 * What the shop's image carries beyond Amazon Linux 2023, each with a file the boot checks for
 * (user-data.ts): the boot installs nothing, so a scale-out never depends on the package
 * repositories, and an AMI that lacks one of these fails its boot at once.
 */
export const shopImagePackages = [
  { name: 'amazon-efs-utils', provides: '/sbin/mount.efs' },
  { name: 'amazon-cloudwatch-agent', provides: '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl' },
  { name: 'aws-cfn-bootstrap', provides: '/opt/aws/bin/cfn-signal' },
  { name: 'unzip', provides: '/usr/bin/unzip' },
  { name: 'logrotate', provides: '/usr/sbin/logrotate' },
] as const;

/**
 * The base: the latest Amazon Linux 2023 for x86_64 at build time, the public SSM parameter the
 * fleet launched from before it had its own image (EC2 Image Builder User Guide, image recipes:
 * a parent image may be an SSM parameter, prefixed `ssm:`). x86_64 for the release's argon2 binary.
 */
export const baseImageParameter = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

/**
 * Raise to bake a new image from the current AL2023 base with nothing else changed (e.g. for its
 * security updates); the image's version also changes by itself when the component changes.
 */
export const baseImageRefresh = 1;

/** The instance type that builds and tests the image: dnf needs little. */
const buildInstanceType = 't3.small';

/** The component document (AWSTOE, schemaVersion 1.0): install in build, check in test (an instance launched from the new AMI). */
export function shopPackagesComponent(): string {
  const names = shopImagePackages.map((p) => p.name).join(' ');
  return [
    'name: evermall-shop-packages',
    'description: The packages an Evermall shop instance uses at boot, so that the boot installs nothing',
    'schemaVersion: 1.0',
    'phases:',
    '  - name: build',
    '    steps:',
    '      - name: InstallPackages',
    '        action: ExecuteBash',
    '        inputs:',
    '          commands:',
    `            - dnf install -y ${names}`,
    '            - dnf clean all',
    '  - name: test',
    '    steps:',
    '      - name: CheckTools',
    '        action: ExecuteBash',
    '        inputs:',
    '          commands:',
    ...shopImagePackages.map((p) => `            - test -x ${p.provides}`),
    '',
  ].join('\n');
}

/**
 * Image Builder versions are immutable (a component or recipe of the same name and version cannot
 * be replaced), so the version is derived from what goes into the image: a new component or base
 * refresh is a new version, hence a new recipe, a new image and a new launch template version.
 * Each part may be at most 2^30 − 1 (EC2 Image Builder User Guide, semantic versioning).
 */
export function shopImageVersion(): string {
  const digest = createHash('sha256').update(shopPackagesComponent()).update(baseImageParameter).update(buildInstanceType).digest('hex');
  return `1.${baseImageRefresh}.${parseInt(digest.slice(0, 7), 16)}`;
}

export interface ShopImageProps {
  readonly vpc: ec2.IVpc;
}

/**
 * The shop instances' AMI, baked by EC2 Image Builder: Amazon Linux 2023 plus shopImagePackages.
 * `CfnImage` builds it during the deploy that creates it (CloudFormation waits for the build and
 * its test), and the launch template uses its AMI id; the pipeline builds the same recipe on
 * demand (`aws imagebuilder start-image-pipeline-execution`), e.g. for an image to copy to a
 * recovery region and pass as parameter shopImageId. The build instance runs in an app subnet
 * (dnf through the NAT gateways), with no ingress and a role that reads only this component.
 */
export class ShopImage extends Construct {
  /** The AMI id of the image this deploy built. */
  public readonly imageId: string;
  public readonly pipeline: imagebuilder.CfnImagePipeline;

  constructor(scope: Construct, id: string, props: ShopImageProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const name = (what: string) => `${Aws.STACK_NAME}-shop-${what}`;
    const version = shopImageVersion();

    const component = new imagebuilder.CfnComponent(this, 'Packages', {
      name: name('packages'),
      version,
      platform: 'Linux',
      description: 'Evermall: amazon-efs-utils, the CloudWatch agent, aws-cfn-bootstrap, unzip, logrotate',
      data: shopPackagesComponent(),
    });
    const recipe = new imagebuilder.CfnImageRecipe(this, 'Recipe', {
      name: name('recipe'),
      version,
      parentImage: `ssm:${baseImageParameter}`,
      components: [{ componentArn: component.attrArn }],
      description: 'Evermall shop instance: Amazon Linux 2023 (x86_64) and the packages its boot uses',
    });

    // The build instance's role: what Image Builder documents for it (EC2 Image Builder User
    // Guide, "Setting up IAM roles": AmazonSSMManagedInstanceCore and EC2InstanceProfileForImageBuilder),
    // the latter narrowed to this stack's component, AWSTOE's download and this recipe's build log
    // group (Image Builder names it /aws/imagebuilder/<recipe name>).
    const role = new iam.Role(this, 'BuildRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Evermall image build instances: SSM agent, the shop image components, build logs',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['imagebuilder:GetComponent'],
        resources: [stack.formatArn({ service: 'imagebuilder', resource: 'component', resourceName: `${name('packages')}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
      }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:${Aws.PARTITION}:s3:::ec2imagebuilder*`] }));
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `/aws/imagebuilder/${name('recipe')}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      }),
    );
    const profile = new iam.InstanceProfile(this, 'BuildInstanceProfile', { role });

    const securityGroup = new ec2.SecurityGroup(this, 'BuildSecurityGroup', {
      vpc: props.vpc,
      description: 'Evermall image build instances: no ingress; egress for the package repositories and SSM',
      allowAllOutbound: true,
    });
    const subnet = props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds[0];
    if (!subnet) throw new Error('ShopImage needs a private subnet with egress');
    const infrastructure = new imagebuilder.CfnInfrastructureConfiguration(this, 'Infrastructure', {
      name: name('build'),
      description: 'Evermall image builds: an app subnet, no ingress, IMDSv2',
      instanceProfileName: profile.instanceProfileName,
      instanceTypes: [buildInstanceType],
      subnetId: subnet,
      securityGroupIds: [securityGroup.securityGroupId],
      terminateInstanceOnFailure: true,
      instanceMetadataOptions: { httpTokens: 'required' },
    });
    const distribution = new imagebuilder.CfnDistributionConfiguration(this, 'Distribution', {
      name: name('distribution'),
      description: 'Evermall shop AMI in the app region',
      distributions: [
        {
          region: stack.region,
          // A JSON property in aws-cdk-lib's L1, so written as CloudFormation spells it.
          amiDistributionConfiguration: {
            Name: 'evermall-shop-{{ imagebuilder:buildDate }}',
            Description: 'Evermall shop instance: Amazon Linux 2023 and the packages its boot uses',
            AmiTags: { project: 'evermall', recipeVersion: version },
          },
        },
      ],
    });

    const image = new imagebuilder.CfnImage(this, 'Image', {
      imageRecipeArn: recipe.attrArn,
      infrastructureConfigurationArn: infrastructure.attrArn,
      distributionConfigurationArn: distribution.attrArn,
      imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 60 },
    });
    this.imageId = image.attrImageId;
    this.pipeline = new imagebuilder.CfnImagePipeline(this, 'Pipeline', {
      name: name('pipeline'),
      description: 'Builds the Evermall shop image on demand (no schedule): start-image-pipeline-execution',
      imageRecipeArn: recipe.attrArn,
      infrastructureConfigurationArn: infrastructure.attrArn,
      distributionConfigurationArn: distribution.attrArn,
      imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 60 },
      status: 'ENABLED',
    });
  }
}
