import { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { appPort, autoScaling, zones } from '@evermall/topology';
import { cachePort } from '../lib/constructs/cache.js';
import { backupSiteUploadCheckSeconds, backupSiteUploadScript } from '../lib/constructs/backup-site-upload.js';
import { instanceMetrics } from '../lib/constructs/observability.js';
import { clusterAutoscalerServiceAccount, clusterVersions, efsCsiServiceAccounts, systemNamespace } from '../lib/constructs/shop-cluster.js';
import { clusterMetricDimension, shopRelease } from '../lib/constructs/shop-release.js';
import { instanceDirectories } from '../lib/constructs/user-data.js';
import { exampleEksImage } from '../lib/configurations.js';
import { shopRepositoryOutput } from '../lib/stacks/data-stack.js';
import { ParameterError, parseParameters, profiles } from '../lib/parameters.js';
import { cfnLint, cfnLintAvailable, only, renderText, resourcesOf, synthesize, template, type CfnJson, type ResourceOf, type Synthesized } from './support/synthesized.js';

// compute=eks (configuration `eks`: production profile, example domain), synthesized once, offline.
let s: Synthesized;
beforeAll(() => {
  s = synthesize('eks');
});

const groupByDescription = (role: 'network' | 'data' | 'app', prefix: string): ResourceOf => {
  const found = resourcesOf(template(s, role), 'AWS::EC2::SecurityGroup').filter((g) => String(g.Properties.GroupDescription).startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one group described "${prefix}…", found ${found.length}`);
  return found[0]!;
};
/** The text of a reference to another stack's export or a local resource, for comparing where a rule points. */
const refText = (value: CfnJson): string => JSON.stringify(value);
const helmCharts = () => resourcesOf(template(s, 'app'), 'Custom::AWSCDK-EKS-HelmChart');
const shopChart = () => {
  const chart = helmCharts().find((c) => c.Properties.Release === shopRelease.name);
  if (!chart) throw new Error('no shop release');
  return chart;
};

describe('compute=eks', () => {
  it('synthesizes offline with no unacknowledged cdk-nag finding', () => {
    expect(s.missingContext).toEqual([]);
    expect(s.nagFindings).toEqual([]);
  });

  it.skipIf(!cfnLintAvailable)('passes cfn-lint with 0 errors, nested stacks included (skipped without cfn-lint)', () => {
    const result = cfnLint(s.outdir);
    expect(result.errors, result.output).toEqual([]);
  });

  it('runs no EC2 fleet: no Auto Scaling group, image pipeline or bundle in the App stack', () => {
    const app = template(s, 'app');
    app.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 0);
    app.resourceCountIs('AWS::ImageBuilder::ImagePipeline', 0);
    expect(s.stacks.app.fleet).toBeUndefined();
  });

  it('has a cluster with a private endpoint only, every control-plane log, encrypted secrets and access entries', () => {
    const cluster = only(template(s, 'app'), 'Custom::AWSCDK-EKS-Cluster').Properties.Config;
    expect(cluster.version).toBe(clusterVersions.kubernetes.version);
    expect(cluster.resourcesVpcConfig).toMatchObject({ endpointPublicAccess: false, endpointPrivateAccess: true });
    expect(cluster.resourcesVpcConfig.subnetIds.map(refText).join()).toMatch(/appSubnet1.*appSubnet2/);
    expect(cluster.logging.clusterLogging).toEqual([{ enabled: true, types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] }]);
    expect(cluster.encryptionConfig).toEqual([expect.objectContaining({ resources: ['secrets'] })]);
    expect(cluster.accessConfig).toEqual({ authenticationMode: 'API' });
  });

  it('has one managed node group per zone, each in that zone’s private subnet, sized from topology', () => {
    const groups = resourcesOf(template(s, 'app'), 'AWS::EKS::Nodegroup');
    expect(groups).toHaveLength(zones.length);
    const subnets = groups.map((g) => g.Properties.Subnets.map(refText));
    for (const list of subnets) expect(list).toHaveLength(1);
    expect(
      subnets
        .flat()
        .map((t) => /appSubnet(\d)/.exec(t)?.[1])
        .sort(),
    ).toEqual(zones.map((_, i) => String(i + 1)));
    for (const g of groups) {
      expect(g.Properties).toMatchObject({
        AmiType: 'AL2023_x86_64_STANDARD',
        InstanceTypes: [profiles.production.nodeInstanceType],
        ScalingConfig: {
          MinSize: Math.ceil(autoScaling.minCapacity / zones.length),
          DesiredSize: Math.ceil(autoScaling.minCapacity / zones.length),
          MaxSize: Math.ceil(autoScaling.maxCapacity / zones.length),
        },
      });
      expect(g.Properties.LaunchTemplate).toBeDefined();
    }
  });

  it('keeps pods off the node role: IMDSv2 with one hop, encrypted volumes, the app group and the cluster’s own group', () => {
    const data = only(template(s, 'app'), 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData;
    expect(data.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(data.BlockDeviceMappings[0].Ebs).toMatchObject({ Encrypted: true, VolumeType: 'gp3' });
    const groups = data.SecurityGroupIds.map(refText).join(' ');
    expect(groups).toMatch(/SecurityGroupsClusterNodes/);
    expect(groups).toMatch(/ClusterSecurityGroupId/);
  });

  it('installs the Load Balancer Controller, the EFS CSI driver, the Secrets Store CSI driver with the AWS provider and metrics-server, each at a pinned version', () => {
    const byRelease = Object.fromEntries(helmCharts().map((c) => [c.Properties.Release, c.Properties]));
    expect(byRelease['aws-load-balancer-controller']).toMatchObject({ Version: clusterVersions.loadBalancerController.helmChartVersion, Namespace: systemNamespace });
    expect(byRelease['aws-efs-csi-driver']).toMatchObject({ Version: clusterVersions.efsCsiDriverChart, Namespace: systemNamespace });
    expect(byRelease['secrets-store-csi-driver-provider-aws']).toMatchObject({ Version: clusterVersions.secretsStoreProviderChart, Namespace: systemNamespace });
    expect(byRelease['metrics-server']).toMatchObject({ Version: clusterVersions.metricsServerChart, Namespace: systemNamespace });
    // Node autoscaling: auto-discovery of this cluster's groups, the two zones kept level, under its own service account.
    expect(byRelease['cluster-autoscaler']).toMatchObject({ Version: clusterVersions.clusterAutoscalerChart, Namespace: systemNamespace });
    const autoscaler = renderText(byRelease['cluster-autoscaler']!.Values as CfnJson);
    expect(autoscaler).toMatch(/"autoDiscovery":\{"clusterName":"\$\{[^}]*ShopCluster[^}]*\}"\}/);
    expect(autoscaler).toContain(`"rbac":{"serviceAccount":{"create":true,"name":"${clusterAutoscalerServiceAccount}"}}`);
    expect(autoscaler).toContain('"balance-similar-node-groups":true');
    // The shop's secrets: mounted and refreshed (rotation), the others synced into a Secret for env variables.
    expect(JSON.parse(byRelease['secrets-store-csi-driver-provider-aws']!.Values as string)).toEqual({
      'secrets-store-csi-driver': { install: true, syncSecret: { enabled: true }, enableSecretRotation: true },
    });
    expect(only(template(s, 'app'), 'AWS::EKS::Addon').Properties).toMatchObject({ AddonName: 'eks-pod-identity-agent', AddonVersion: clusterVersions.podIdentityAgent });
  });

  it('installs the shop’s release only after every add-on and its pod identities', () => {
    const dependsOn: string[] = shopChart().DependsOn ?? [];
    const others = helmCharts().filter((c) => c.Properties.Release !== shopRelease.name);
    for (const c of others) expect(dependsOn).toContain(c.id);
    for (const a of resourcesOf(template(s, 'app'), 'AWS::EKS::Addon')) expect(dependsOn).toContain(a.id);
    const shopIdentities = resourcesOf(template(s, 'app'), 'AWS::EKS::PodIdentityAssociation').filter((a) => a.Properties.Namespace === shopRelease.namespace);
    expect(shopIdentities).toHaveLength(2);
    for (const a of shopIdentities) expect(dependsOn).toContain(a.id);
  });

  describe('pod identities', () => {
    const association = (namespace: string, serviceAccount: string) => {
      const found = resourcesOf(template(s, 'app'), 'AWS::EKS::PodIdentityAssociation').filter(
        (a) => a.Properties.Namespace === namespace && a.Properties.ServiceAccount === serviceAccount,
      );
      expect(found).toHaveLength(1);
      return found[0]!;
    };
    /** Every statement of the policies attached to a role (by the role's logical id). */
    const statementsOf = (roleId: string): CfnJson[] =>
      resourcesOf(template(s, 'app'), 'AWS::IAM::Policy')
        .filter((p) => p.Properties.Roles.some((r: CfnJson) => r.Ref === roleId))
        .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const roleOf = (a: ResourceOf): string => a.Properties.RoleArn['Fn::GetAtt'][0];
    const secretResources = (roleId: string) =>
      statementsOf(roleId)
        .filter((st) => [st.Action].flat().includes('secretsmanager:GetSecretValue'))
        .flatMap((st) => [st.Resource].flat().map(renderText));

    it('gives the shop’s service account exactly the secrets the EC2 role reads for the shop, and nothing else', () => {
      const roleId = roleOf(association(shopRelease.namespace, shopRelease.serviceAccount));
      const role = template(s, 'app').toJSON().Resources[roleId];
      expect(role.Properties.AssumeRolePolicyDocument.Statement.flatMap((st: CfnJson) => [st.Action].flat()).sort()).toEqual(['sts:AssumeRole', 'sts:TagSession']);
      expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain('pods.eks.amazonaws.com');
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const resources = secretResources(roleId).join('\n');
      for (const secret of ['DatabaseAppSecret', 'SessionSecret', 'PaymentProviderTossSecret', 'CacheAuthToken']) expect(resources).toContain(secret);
      expect(resources).toMatch(/secret:Evermall\/shop-client-secret-\?\?\?\?\?\?|secret:.*shop.*-\?\?\?\?\?\?/);
      expect(resources).not.toMatch(/Migrator|MasterSecret|Master/);
      // Besides the secrets, only what the EC2 role does too: the backup-site upload (the site's bucket and the one
      // metric namespace), the outbox relay's publish to the order events topic, and the uploads into the media
      // bucket (which objects, exactly: media-pipeline.test.ts).
      const others = statementsOf(roleId).filter((st) => ![st.Action].flat().every((a: string) => a.startsWith('secretsmanager:') || a.startsWith('kms:')));
      expect([...new Set(others.flatMap((st) => [st.Action].flat()))].sort()).toEqual([
        'cloudwatch:PutMetricData',
        's3:DeleteObject',
        's3:GetObject',
        's3:ListBucket',
        's3:PutObject',
        'sns:Publish',
      ]);
      expect(renderText(others.find((st) => st.Action === 'sns:Publish')?.Resource)).toMatch(/OrderEvents/);
      for (const st of others.filter((st) => [st.Action].flat().some((a: string) => a.startsWith('s3:')))) {
        for (const resource of [st.Resource].flat()) expect(renderText(resource)).toMatch(/BackupSite|MediaPipelineBucket/);
      }
      expect(others.find((st) => st.Action === 'cloudwatch:PutMetricData')?.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': instanceMetrics.namespace } });
    });

    it('lets the Cluster Autoscaler resize only this cluster’s node groups', () => {
      const roleId = roleOf(association(systemNamespace, clusterAutoscalerServiceAccount));
      const resize = statementsOf(roleId).find((st) => [st.Action].flat().includes('autoscaling:SetDesiredCapacity'));
      expect([resize!.Action].flat().sort()).toEqual(['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup']);
      expect(JSON.stringify(resize!.Condition)).toMatch(/^\{"StringEquals":\{"aws:ResourceTag\/eks:cluster-name":\{"Ref":"ShopCluster[^"]*"\}\}\}$/);
      const describes = statementsOf(roleId)
        .filter((st) => st !== resize)
        .flatMap((st) => [st.Action].flat());
      expect(describes.every((a: string) => /^(autoscaling|ec2|eks):(Describe|Get)/.test(a))).toBe(true);
    });

    it('gives the migration Job’s service account the migrator’s login only', () => {
      const roleId = roleOf(association(shopRelease.namespace, shopRelease.migrateServiceAccount));
      const resources = secretResources(roleId);
      expect(resources).toHaveLength(1);
      expect(resources[0]).toMatch(/DatabaseMigratorSecret/);
    });

    it('lets the EFS CSI node daemon mount the media file system with IAM, and the controller manage access points', () => {
      const node = roleOf(association(systemNamespace, efsCsiServiceAccounts.node));
      expect(statementsOf(node).flatMap((st) => [st.Action].flat())).toEqual(expect.arrayContaining(['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite']));
      const controller = template(s, 'app').toJSON().Resources[roleOf(association(systemNamespace, efsCsiServiceAccounts.controller))];
      expect(JSON.stringify(controller.Properties.ManagedPolicyArns)).toContain('AmazonEFSCSIDriverPolicy');
    });
  });

  describe('the security-group chain: the nodes’ group takes the app group’s place', () => {
    const nodes = () => groupByDescription('network', 'EKS nodes');

    it('has no EC2 app group, and the nodes admit the app port from the ALB only', () => {
      expect(resourcesOf(template(s, 'network'), 'AWS::EC2::SecurityGroup').filter((g) => String(g.Properties.GroupDescription).startsWith('Shop instances'))).toEqual([]);
      const ingress = resourcesOf(template(s, 'network'), 'AWS::EC2::SecurityGroupIngress').filter((r) => r.Properties.GroupId['Fn::GetAtt']?.[0] === nodes().id);
      expect(ingress).toHaveLength(1);
      expect(ingress[0]!.Properties).toMatchObject({ FromPort: appPort, ToPort: appPort, IpProtocol: 'tcp' });
      expect(ingress[0]!.Properties.SourceSecurityGroupId['Fn::GetAtt'][0]).toBe(groupByDescription('network', 'ALB').id);
    });

    it('lets the ALB reach the pods on the app port', () => {
      const egress = resourcesOf(template(s, 'network'), 'AWS::EC2::SecurityGroupEgress').filter(
        (r) => r.Properties.GroupId['Fn::GetAtt']?.[0] === groupByDescription('network', 'ALB').id,
      );
      expect(egress.map((e) => [e.Properties.DestinationSecurityGroupId['Fn::GetAtt'][0], e.Properties.FromPort])).toEqual([[nodes().id, appPort]]);
    });

    it('admits the nodes, and only them besides the database’s own functions, to the cache, the database and EFS', () => {
      const cacheIngress = resourcesOf(template(s, 'network'), 'AWS::EC2::SecurityGroupIngress').filter(
        (r) => r.Properties.GroupId['Fn::GetAtt']?.[0] === groupByDescription('network', 'ElastiCache').id,
      );
      expect(cacheIngress.map((r) => [r.Properties.SourceSecurityGroupId['Fn::GetAtt'][0], r.Properties.FromPort])).toEqual([[nodes().id, cachePort]]);
      // The Data stack imports the nodes' group for the database's and the file system's ingress.
      const dataIngress = resourcesOf(template(s, 'data'), 'AWS::EC2::SecurityGroupIngress').map((r) => refText(r.Properties.SourceSecurityGroupId));
      const fromNodes = dataIngress.filter((t) => t.includes('SecurityGroupsClusterNodes'));
      expect(fromNodes.length).toBeGreaterThanOrEqual(2);
      expect(dataIngress.filter((t) => t.includes('SecurityGroupsApp'))).toEqual([]);
      const efsIngress = resourcesOf(template(s, 'data'), 'AWS::EC2::SecurityGroupIngress').filter((r) => r.Properties.FromPort === 2049);
      expect(efsIngress.map((r) => refText(r.Properties.SourceSecurityGroupId))).toEqual([expect.stringContaining('SecurityGroupsClusterNodes')]);
    });
  });

  describe('the edge: CloudFront’s origin stays the ALB this stack makes', () => {
    it('registers pods (target type ip) in the ALB’s own target group, health-checked as on EC2', () => {
      const tg = only(template(s, 'app'), 'AWS::ElasticLoadBalancingV2::TargetGroup');
      expect(tg.Properties).toMatchObject({ TargetType: 'ip', Port: appPort, HealthCheckPath: '/healthz' });
      expect(renderText(shopChart().Properties.Values)).toContain(`"targetGroupBinding":{"targetGroupArn":"\${Ref:"${tg.id}"}"}`);
    });

    it('keeps the Edge stack’s origin and api record on that ALB', () => {
      const api = resourcesOf(template(s, 'edge'), 'AWS::Route53::RecordSet').find((r) => String(r.Properties.Name).startsWith('api.'));
      expect(refText(api?.Properties.AliasTarget)).toContain('LoadBalancer');
    });
  });

  describe('the chart’s values, filled from the stacks', () => {
    const values = () => renderText(shopChart().Properties.Values);

    it('installs the local chart asset as release evermall-shop in its own namespace, atomically', () => {
      expect(shopChart().Properties).toMatchObject({ Release: shopRelease.name, Namespace: shopRelease.namespace, CreateNamespace: true, Wait: true, Atomic: true });
      expect(shopChart().Properties.ChartAssetURL).toBeDefined();
      expect(shopChart().Properties.Chart).toBeUndefined();
    });

    it('passes the image from the Data stack’s repository with the given tag', () => {
      expect(values()).toMatch(/"image":\{"repository":".*ShopRegistryRepository.*","tag":"0\.1\.0-example"\}/);
      expect(exampleEksImage.shopImageTag).toBe('0.1.0-example');
    });

    it('passes the secret ARNs the EC2 fleet reads, with Pod Identity', () => {
      const v = values();
      expect(v).toContain('"usePodIdentity":true');
      for (const [key, secret] of Object.entries({
        appSecretArn: 'DatabaseAppSecret',
        migratorSecretArn: 'DatabaseMigratorSecret',
        sessionSecretArn: 'SessionSecret',
        paymentSecretArn: 'PaymentProviderTossSecret',
        cacheAuthSecretArn: 'CacheAuthToken',
      })) {
        expect(v).toMatch(new RegExp(`"${key}":"\\$\\{[^}]*${secret}[^}]*\\}"`));
      }
      expect(v).toMatch(/"signInSecretName":"Evermall[^"]*"/);
    });

    it('passes the database writer and reader hosts, the RDS bundle, the cache endpoint and port', () => {
      const v = values();
      expect(v).toMatch(/"database":\{"host":"\$\{[^}]*DatabaseInstance[^}]*EndpointAddress[^}]*\}","readerHost":"\$\{[^}]*ReadReplica[^}]*\}"/);
      expect(v).toContain('"caBundle":"-----BEGIN CERTIFICATE-----');
      expect(v).toMatch(new RegExp(`"cache":\\{"host":"\\$\\{[^}]*Cache[^}]*\\}","port":${cachePort}\\}`));
    });

    it('passes the EC2 instances’ backup-site upload script for the pods’ sidecar, with the aws CLI of its image and the cluster as the metric dimension', () => {
      const app = s.stacks.app;
      const backupSite = app.shopRelease!.values.backupSite as { uploadScript: string; checkSeconds: number };
      expect(backupSite.checkSeconds).toBe(backupSiteUploadCheckSeconds);
      expect(backupSite.uploadScript).toBe(
        backupSiteUploadScript({
          awsCli: 'aws',
          bucket: app.backupSite.bucket.bucketName,
          region: Stack.of(app).region,
          directories: instanceDirectories,
          metricDimension: { name: clusterMetricDimension, value: app.shopCluster!.cluster.clusterName },
        }),
      );
      expect(values()).toMatch(/"uploadScript":"set -euo pipefail.*aws s3 sync .*--dimensions ClusterName='\$\{[^}]*ShopCluster/);
    });

    it('passes the media bucket with its region, the media file system and the EC2 fleet’s access point, the VPC range and the SPA origin', () => {
      const v = values();
      expect(v).toMatch(
        /"media":\{"fileSystemId":"\$\{[^}]*MediaFileSystem[^}]*\}","accessPointId":"\$\{[^}]*MediaFileSystemMedia[^}]*\}","bucket":"\$\{[^}]*MediaPipelineBucket[^}]*\}","bucketRegion":"ap-northeast-2"\}/,
      );
      expect(v).toMatch(/"proxies":\{"vpcCidr":"\$\{[^}]*CidrBlock[^}]*\}"\}/);
      expect(v).toContain('"allowedOrigins":"https://www.shop.example.com"');
    });
  });

  it('has an image repository in the Data stack: scan on push, immutable tags, KMS, kept on deletion', () => {
    const repo = only(template(s, 'data'), 'AWS::ECR::Repository');
    expect(repo.Properties).toMatchObject({
      ImageScanningConfiguration: { ScanOnPush: true },
      ImageTagMutability: 'IMMUTABLE',
      EncryptionConfiguration: { EncryptionType: 'KMS' },
    });
    expect(repo.DeletionPolicy).toBe('Retain');
    expect(Object.keys(template(s, 'data').toJSON().Outputs)).toContain(shopRepositoryOutput);
  });

  it('keeps the database, cache and backup-site alarms but drops the EC2 fleet’s, and aims the instance experiments at the cluster’s nodes', () => {
    const alarms = resourcesOf(template(s, 'observability'), 'AWS::CloudWatch::Alarm');
    expect(alarms.some((a) => a.id.includes('DatabaseCpu'))).toBe(true);
    for (const fleetOnly of ['FleetAtMax', 'InstanceDiskUsed']) expect(alarms.some((a) => a.id.includes(fleetOnly))).toBe(false);
    // The pods' sidecars publish the uploads per cluster.
    const stale = alarms.find((a) => a.id.includes('BackupSiteStale'));
    expect(stale?.Properties.Dimensions).toEqual([{ Name: clusterMetricDimension, Value: expect.anything() }]);
    expect(renderText(stale!.Properties.Dimensions[0].Value)).toMatch(/ShopCluster/);
    const termination = resourcesOf(template(s, 'observability'), 'AWS::FIS::ExperimentTemplate').find((t) => t.id.includes('instancetermination'));
    expect(Object.keys(termination?.Properties.Targets.ShopInstance.ResourceTags ?? {})).toEqual(['eks:cluster-name']);
  });
});

describe('parameter compute', () => {
  it('defaults to ec2, with nothing of EKS', () => {
    const p = parseParameters({});
    expect(p.compute).toBe('ec2');
    expect(p.eks).toBeUndefined();
  });

  it('eks needs the image tag and a readable PEM bundle, and names the missing parameter', () => {
    expect(() => parseParameters({ compute: 'eks', rdsCaBundleFile: exampleEksImage.rdsCaBundleFile })).toThrow(ParameterError);
    expect(() => parseParameters({ compute: 'eks', rdsCaBundleFile: exampleEksImage.rdsCaBundleFile })).toThrow(/shopImageTag/);
    expect(() => parseParameters({ compute: 'eks', shopImageTag: 'abc' })).toThrow(/rdsCaBundleFile/);
    expect(() => parseParameters({ compute: 'eks', shopImageTag: 'abc', rdsCaBundleFile: 'package.json' })).toThrow(/holds no PEM certificate/);
    expect(() => parseParameters({ compute: 'eks', shopImageTag: 'abc', rdsCaBundleFile: 'no-such-file.pem' })).toThrow(/cannot read/);
    expect(() => parseParameters({ compute: 'fargate' })).toThrow(/Invalid parameter compute/);
    const p = parseParameters({ compute: 'eks', ...exampleEksImage });
    expect(p.eks?.imageTag).toBe(exampleEksImage.shopImageTag);
    expect(p.eks?.rdsCaBundle).toContain('-----BEGIN CERTIFICATE-----');
  });
});
