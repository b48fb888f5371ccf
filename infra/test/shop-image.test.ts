import { beforeAll, describe, expect, it } from 'vitest';
import { baseImageParameter, shopImagePackages, shopImageVersion, shopPackagesComponent } from '../lib/constructs/shop-image.js';
import { cfnLint, cfnLintAvailable, type CfnJson, only, renderText, resourcesOf, synthesize, template, type Synthesized } from './support/synthesized.js';

/**
 * The shop's image (issue 11, "no package installs at boot"): EC2 Image Builder bakes Amazon Linux
 * 2023 with the packages the boot uses, the launch template runs it, and parameter shopImageId
 * replaces it with an existing AMI.
 */
let baked: Synthesized;
let given: Synthesized;
const existingAmi = 'ami-0123456789abcdef0';
beforeAll(() => {
  baked = synthesize('small-no-domain');
  given = synthesize('small-no-domain', { shopImageId: existingAmi });
});

describe('the shop image (EC2 Image Builder)', () => {
  it('installs every package the boot uses in its build phase and checks each tool on an instance launched from the new AMI', () => {
    const component = only(template(baked, 'app'), 'AWS::ImageBuilder::Component').Properties;
    expect(component.Platform).toBe('Linux');
    expect(component.Data).toBe(shopPackagesComponent());
    const build = component.Data.slice(component.Data.indexOf('- name: build'), component.Data.indexOf('- name: test'));
    const test = component.Data.slice(component.Data.indexOf('- name: test'));
    expect(build).toContain(`dnf install -y ${shopImagePackages.map((p) => p.name).join(' ')}`);
    for (const name of ['amazon-efs-utils', 'amazon-cloudwatch-agent', 'aws-cfn-bootstrap']) expect(shopImagePackages.map((p) => p.name)).toContain(name);
    for (const p of shopImagePackages) expect(test).toContain(`test -x ${p.provides}`);
  });

  it('builds from the latest Amazon Linux 2023 x86_64 with a version derived from its inputs, tested, and distributed in the app region', () => {
    const t = template(baked, 'app');
    const recipe = only(t, 'AWS::ImageBuilder::ImageRecipe').Properties;
    expect(recipe.ParentImage).toBe(`ssm:${baseImageParameter}`);
    expect(recipe.Version).toBe(shopImageVersion());
    expect(only(t, 'AWS::ImageBuilder::Component').Properties.Version).toBe(shopImageVersion());
    for (const part of shopImageVersion().split('.')) expect(Number(part)).toBeLessThanOrEqual(2 ** 30 - 1);
    const image = only(t, 'AWS::ImageBuilder::Image').Properties;
    expect(image.ImageTestsConfiguration).toMatchObject({ ImageTestsEnabled: true });
    const distribution = only(t, 'AWS::ImageBuilder::DistributionConfiguration').Properties.Distributions;
    expect(distribution).toEqual([
      expect.objectContaining({
        Region: 'ap-northeast-2',
        AmiDistributionConfiguration: expect.objectContaining({ Name: expect.stringContaining('{{ imagebuilder:buildDate }}') }),
      }),
    ]);
    const pipeline = only(t, 'AWS::ImageBuilder::ImagePipeline').Properties;
    expect(pipeline.Schedule).toBeUndefined();
    expect(pipeline.ImageRecipeArn).toEqual(image.ImageRecipeArn);
  });

  it('builds in an app subnet with no ingress, IMDSv2 and a role limited to this component, AWSTOE and its log group', () => {
    const t = template(baked, 'app');
    const infrastructure = only(t, 'AWS::ImageBuilder::InfrastructureConfiguration').Properties;
    expect(infrastructure).toMatchObject({ TerminateInstanceOnFailure: true, InstanceMetadataOptions: { HttpTokens: 'required' } });
    expect(JSON.stringify(infrastructure.SubnetId)).toMatch(/appSubnet1/);
    const sg = resourcesOf(t, 'AWS::EC2::SecurityGroup').find((g) => g.id.startsWith('ShopImageBuildSecurityGroup'));
    expect(sg?.Properties.SecurityGroupIngress).toBeUndefined();
    expect(resourcesOf(t, 'AWS::EC2::SecurityGroupIngress').filter((r) => JSON.stringify(r.Properties.GroupId).includes('ShopImageBuildSecurityGroup'))).toEqual([]);
    const statements = resourcesOf(t, 'AWS::IAM::Policy')
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('ShopImageBuildRole'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as CfnJson[]);
    const byAction = Object.fromEntries(statements.map((x) => [[x.Action].flat().join(','), renderText(x.Resource)]));
    expect(Object.keys(byAction).sort()).toEqual(['imagebuilder:GetComponent', 'logs:CreateLogGroup,logs:CreateLogStream,logs:PutLogEvents', 's3:GetObject']);
    expect(byAction['imagebuilder:GetComponent']).toMatch(/:component\/\$\{Ref:"AWS::StackName"\}-shop-packages\/\*$/);
    expect(byAction['logs:CreateLogGroup,logs:CreateLogStream,logs:PutLogEvents']).toMatch(/log-group:\/aws\/imagebuilder\/\$\{Ref:"AWS::StackName"\}-shop-recipe:\*$/);
    expect(byAction['s3:GetObject']).toMatch(/:s3:::ec2imagebuilder\*$/);
  });

  it('has the launch template run the baked AMI', () => {
    const t = template(baked, 'app');
    const image = only(t, 'AWS::ImageBuilder::Image');
    expect(only(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.ImageId).toEqual({ 'Fn::GetAtt': [image.id, 'ImageId'] });
  });
});

describe('parameter shopImageId: an existing AMI instead', () => {
  it('launches that AMI and builds nothing', () => {
    const t = template(given, 'app');
    expect(only(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.ImageId).toBe(existingAmi);
    for (const type of ['Image', 'ImageRecipe', 'Component', 'ImagePipeline', 'InfrastructureConfiguration', 'DistributionConfiguration']) {
      expect(resourcesOf(t, `AWS::ImageBuilder::${type}`), type).toEqual([]);
    }
  });

  it('still boots with no package installs and checks the image for its tools', () => {
    const text = renderText(only(template(given, 'app'), 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData);
    expect(text).not.toMatch(/\b(dnf|yum)\b[^\n]*\binstall\b/);
    expect(text).toContain(`for tool in ${shopImagePackages.map((p) => p.provides).join(' ')}; do`);
  });

  it('has no unacknowledged cdk-nag finding, with or without the image', () => {
    expect(baked.nagFindings).toEqual([]);
    expect(given.nagFindings).toEqual([]);
  });

  it.skipIf(!cfnLintAvailable)('passes cfn-lint with 0 errors (skipped without cfn-lint)', () => {
    const result = cfnLint(given.outdir);
    expect(result.errors, result.output).toEqual([]);
  });
});
