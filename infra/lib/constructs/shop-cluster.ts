import { KubectlV34Layer } from '@aws-cdk/lambda-layer-kubectl-v34';
import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as efs from 'aws-cdk-lib/aws-efs';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { autoScaling, zones } from '@evermall/topology';

/**
 * The cluster's software, each pinned: Kubernetes itself, the EKS add-on and the Helm charts
 * (chart versions from each project's chart changelog; re-check them against `aws eks
 * describe-addon-versions` and the chart repositories before a first deploy).
 */
export const clusterVersions = {
  kubernetes: eks.KubernetesVersion.V1_34,
  /** The AWS Load Balancer Controller as aws-cdk-lib packages it (chart, image and IAM policy of one release). */
  loadBalancerController: eks.AlbControllerVersion.V3_2_2,
  /** EKS add-on: the node agent that hands pods their Pod Identity credentials. */
  podIdentityAgent: 'v1.3.10-eksbuild.2',
  /** kubernetes-sigs/aws-efs-csi-driver chart 3.0.0 = driver v2.0.0. */
  efsCsiDriverChart: '3.0.0',
  /** aws/secrets-store-csi-driver-provider-aws chart, which installs the Secrets Store CSI driver it was released with. */
  secretsStoreProviderChart: '2.2.0',
  /** kubernetes-sigs/metrics-server chart 3.13.1 = metrics-server 0.8.1 (the HPA's CPU figures). */
  metricsServerChart: '3.13.1',
  /** kubernetes/autoscaler chart 9.52.1 = Cluster Autoscaler 1.34.1: its minor must be the cluster's. */
  clusterAutoscalerChart: '9.52.1',
} as const;

/** Where the cluster's own controllers and drivers run. */
export const systemNamespace = 'kube-system';

/** The Cluster Autoscaler's service account (Pod Identity: its role resizes the node groups). */
export const clusterAutoscalerServiceAccount = 'cluster-autoscaler';

/** The EFS CSI driver's service accounts (its chart's defaults): the controller provisions, the node daemon mounts. */
export const efsCsiServiceAccounts = { controller: 'efs-csi-controller-sa', node: 'efs-csi-node-sa' } as const;

export interface ShopClusterProps {
  readonly vpc: ec2.IVpc;
  /**
   * The group that takes the app group's place (SecurityGroups.app with compute=eks): the nodes
   * carry it, so their pods reach the database, the cache and EFS, and the ALB reaches the pods.
   */
  readonly nodeSecurityGroup: ec2.ISecurityGroup;
  readonly nodeInstanceType: string;
  /** The media file system: the EFS CSI driver's node daemon mounts it with IAM authorisation. */
  readonly fileSystem: efs.FileSystem;
}

/**
 * The EKS cluster the shop's chart runs on: a private API endpoint, every control-plane log,
 * Kubernetes secrets encrypted with a key of ours, access entries (no aws-auth ConfigMap), and one
 * managed node group per zone of the topology in the app's private subnets, so that the chart's
 * zone spread (`minDomains` = the zone count) always finds both zones. Its add-ons are the ones the
 * chart needs (containers/README.md, "What infra must pass"): the AWS Load Balancer Controller, the
 * EFS CSI driver, the Secrets Store CSI driver with the AWS provider, metrics-server and the Pod
 * Identity agent; and the Cluster Autoscaler, which adds a node when the HPA's pods no longer fit
 * and removes one left idle, within each zone's node group (topology's capacity, split by zone).
 */
export class ShopCluster extends Construct {
  public readonly cluster: eks.Cluster;
  public readonly nodegroups: eks.Nodegroup[];
  /** Installed before the shop's release: its objects need their CRDs, drivers and controller. */
  public readonly addOns: Construct[];

  constructor(scope: Construct, id: string, props: ShopClusterProps) {
    super(scope, id);
    const secretsKey = new kms.Key(this, 'SecretsKey', {
      description: 'Envelope encryption of the shop cluster’s Kubernetes secrets (the synced session, payment and cache secrets)',
      enableKeyRotation: true,
    });
    this.cluster = new eks.Cluster(this, 'Cluster', {
      version: clusterVersions.kubernetes,
      vpc: props.vpc,
      vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
      // Node groups below, one per zone; none of CDK's default capacity.
      defaultCapacity: 0,
      kubectlLayer: new KubectlV34Layer(this, 'KubectlLayer'),
      // Reachable from inside the VPC only: CDK's kubectl function then runs in the private subnets.
      endpointAccess: eks.EndpointAccess.PRIVATE,
      clusterLogging: [
        eks.ClusterLoggingTypes.API,
        eks.ClusterLoggingTypes.AUDIT,
        eks.ClusterLoggingTypes.AUTHENTICATOR,
        eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
        eks.ClusterLoggingTypes.SCHEDULER,
      ],
      authenticationMode: eks.AuthenticationMode.API,
      secretsEncryptionKey: secretsKey,
      albController: { version: clusterVersions.loadBalancerController },
    });

    // Nodes carry the cluster's own group (control plane ↔ nodes, node ↔ node) and the app group
    // (the chain to the ALB, database, cache and EFS). Pods may not use the node's role: IMDSv2
    // with one hop keeps them from the instance metadata; they get their own roles (Pod Identity).
    const launchTemplate = new ec2.LaunchTemplate(this, 'NodeLaunchTemplate', {
      securityGroup: props.nodeSecurityGroup,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(30, { volumeType: ec2.EbsDeviceVolumeType.GP3, encrypted: true, deleteOnTermination: true }),
        },
      ],
    });
    launchTemplate.addSecurityGroup(this.cluster.clusterSecurityGroup);
    const launchTemplateId = launchTemplate.launchTemplateId;
    if (!launchTemplateId) throw new Error('the node launch template has no id');
    // The policies AWS documents for managed nodes (EKS User Guide, "Amazon EKS node IAM role"), and
    // Session Manager instead of SSH, as on the EC2 fleet (also what the cpu-stress experiment sends through).
    const nodeRole = new iam.Role(this, 'NodeRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Evermall EKS nodes: join the cluster, pod networking, image pulls, Session Manager',
      managedPolicies: ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly', 'AmazonSSMManagedInstanceCore'].map((name) =>
        iam.ManagedPolicy.fromAwsManagedPolicyName(name),
      ),
    });
    const perZone = (capacity: number) => Math.ceil(capacity / zones.length);
    const privateSubnets = props.vpc.privateSubnets;
    if (privateSubnets.length !== zones.length) throw new Error(`expected one private subnet per zone (${zones.length}), found ${privateSubnets.length}`);
    this.nodegroups = privateSubnets.map((subnet, i) =>
      this.cluster.addNodegroupCapacity(`Nodes-${zones[i]}`, {
        subnets: { subnets: [subnet] },
        // x86_64, as the EC2 fleet: the image carries argon2's linux-x64-gnu binary.
        amiType: eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
        instanceTypes: [new ec2.InstanceType(props.nodeInstanceType)],
        minSize: perZone(autoScaling.minCapacity),
        desiredSize: perZone(autoScaling.minCapacity),
        maxSize: perZone(autoScaling.maxCapacity),
        launchTemplateSpec: { id: launchTemplateId, version: launchTemplate.latestVersionNumber },
        nodeRole,
        labels: { 'evermall/zone': zones[i]! },
      }),
    );

    const podIdentityAgent = new eks.Addon(this, 'PodIdentityAgent', {
      cluster: this.cluster,
      addonName: 'eks-pod-identity-agent',
      addonVersion: clusterVersions.podIdentityAgent,
    });

    // EFS CSI: the controller reads (and, for a StorageClass, makes) access points with the policy
    // AWS documents for it; the node daemon mounts our file system with IAM authorisation, which the
    // file system requires (SharedMedia: no anonymous access).
    const efsController = this.podRole('EfsCsiController', 'EFS CSI driver controller: access points of the media file system');
    efsController.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEFSCSIDriverPolicy'));
    const efsNode = this.podRole('EfsCsiNode', 'EFS CSI driver node daemon: mounts the media file system');
    props.fileSystem.grantReadWrite(efsNode);
    const efsAssociations = [
      this.associate('EfsCsiControllerIdentity', systemNamespace, efsCsiServiceAccounts.controller, efsController),
      this.associate('EfsCsiNodeIdentity', systemNamespace, efsCsiServiceAccounts.node, efsNode),
    ];
    const efsCsi = this.cluster.addHelmChart('EfsCsiDriver', {
      chart: 'aws-efs-csi-driver',
      repository: 'https://kubernetes-sigs.github.io/aws-efs-csi-driver',
      version: clusterVersions.efsCsiDriverChart,
      release: 'aws-efs-csi-driver',
      namespace: systemNamespace,
      values: {
        controller: { serviceAccount: { create: true, name: efsCsiServiceAccounts.controller } },
        node: { serviceAccount: { create: true, name: efsCsiServiceAccounts.node } },
      },
      wait: true,
      timeout: Duration.minutes(10),
    });
    for (const association of efsAssociations) efsCsi.node.addDependency(association);

    // The Secrets Store CSI driver with the AWS provider: the shop's login mounted as a file and
    // refreshed in running pods (rotation), the other secrets synced into a Kubernetes Secret for
    // environment variables (containers/README.md, "Secrets"). The provider reads each secret with
    // the pod's own identity, so it needs no role of its own.
    const secretsStore = this.cluster.addHelmChart('SecretsStoreCsiDriver', {
      chart: 'secrets-store-csi-driver-provider-aws',
      repository: 'https://aws.github.io/secrets-store-csi-driver-provider-aws',
      version: clusterVersions.secretsStoreProviderChart,
      release: 'secrets-store-csi-driver-provider-aws',
      namespace: systemNamespace,
      values: { 'secrets-store-csi-driver': { install: true, syncSecret: { enabled: true }, enableSecretRotation: true } },
      wait: true,
      timeout: Duration.minutes(10),
    });

    // The HPA's CPU utilisation comes from the metrics API.
    const metricsServer = this.cluster.addHelmChart('MetricsServer', {
      chart: 'metrics-server',
      repository: 'https://kubernetes-sigs.github.io/metrics-server',
      version: clusterVersions.metricsServerChart,
      release: 'metrics-server',
      namespace: systemNamespace,
      wait: true,
      timeout: Duration.minutes(10),
    });

    // The HPA adds pods; when they no longer fit, the Cluster Autoscaler grows a node group (the
    // managed groups carry its auto-discovery tags), and shrinks one whose node stayed idle. It
    // balances the two zones' groups, as the zone spread needs, and may resize only this cluster's
    // groups. Its permissions are the ones the project documents for auto-discovery on AWS
    // (cluster-autoscaler/cloudprovider/aws/README.md, "IAM Policy"). The node groups' desired size
    // is then the autoscaler's: CloudFormation sets it only when the template's value changes.
    const autoscalerRole = this.podRole('ClusterAutoscaler', 'Cluster Autoscaler: grows and shrinks the shop node groups of this cluster');
    autoscalerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'autoscaling:DescribeAutoScalingGroups',
          'autoscaling:DescribeAutoScalingInstances',
          'autoscaling:DescribeLaunchConfigurations',
          'autoscaling:DescribeScalingActivities',
          'autoscaling:DescribeTags',
          'ec2:DescribeImages',
          'ec2:DescribeInstanceTypes',
          'ec2:DescribeLaunchTemplateVersions',
          'ec2:GetInstanceTypesFromInstanceRequirements',
          'eks:DescribeNodegroup',
        ],
        resources: ['*'],
      }),
    );
    autoscalerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
        resources: ['*'],
        // EKS tags each managed node group's Auto Scaling group with its cluster's name.
        conditions: { StringEquals: { 'aws:ResourceTag/eks:cluster-name': this.cluster.clusterName } },
      }),
    );
    const autoscalerIdentity = this.associate('ClusterAutoscalerIdentity', systemNamespace, clusterAutoscalerServiceAccount, autoscalerRole);
    const clusterAutoscaler = this.cluster.addHelmChart('ClusterAutoscaler', {
      chart: 'cluster-autoscaler',
      repository: 'https://kubernetes.github.io/autoscaler',
      version: clusterVersions.clusterAutoscalerChart,
      release: 'cluster-autoscaler',
      namespace: systemNamespace,
      values: {
        cloudProvider: 'aws',
        awsRegion: Stack.of(this).region,
        autoDiscovery: { clusterName: this.cluster.clusterName },
        rbac: { serviceAccount: { create: true, name: clusterAutoscalerServiceAccount } },
        extraArgs: { 'balance-similar-node-groups': true, expander: 'least-waste' },
      },
      wait: true,
      timeout: Duration.minutes(10),
    });
    clusterAutoscaler.node.addDependency(autoscalerIdentity);

    // Charts run pods: only once nodes exist.
    for (const chart of [efsCsi, secretsStore, metricsServer, clusterAutoscaler]) for (const group of this.nodegroups) chart.node.addDependency(group);
    const loadBalancerController = this.cluster.albController;
    if (!loadBalancerController) throw new Error('the cluster has no AWS Load Balancer Controller');
    this.addOns = [podIdentityAgent, efsCsi, secretsStore, metricsServer, clusterAutoscaler, loadBalancerController];
  }

  /** A role that pods of one service account assume through EKS Pod Identity (EKS User Guide, "Pod Identity"). */
  podRole(id: string, description: string): iam.Role {
    const role = new iam.Role(this, id, { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com'), description });
    // Pod Identity tags the session with the cluster, namespace and account (sts:TagSession).
    role.assumeRolePolicy?.addStatements(new iam.PolicyStatement({ actions: ['sts:TagSession'], principals: [new iam.ServicePrincipal('pods.eks.amazonaws.com')] }));
    return role;
  }

  /** Gives one service account a role, through the Pod Identity agent. */
  associate(id: string, namespace: string, serviceAccount: string, role: iam.IRole): eks.CfnPodIdentityAssociation {
    return new eks.CfnPodIdentityAssociation(this, id, { clusterName: this.cluster.clusterName, namespace, serviceAccount, roleArn: role.roleArn });
  }
}
