import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { writablePaths } from '../layout.js';
import { HelmError, lintChart, renderChart, type Manifest } from './helm.js';
import { certificateBundle, environments, valuesFile } from './render-fixture.js';
import { renderTopologyValues, topologyValuesFile } from './topology-values.js';
import { checkSecretProviderClass, validateManifest } from './validate-manifests.js';

const bundle = certificateBundle();
afterAll(() => bundle.remove());
const setFiles = { 'database.caBundle': bundle.file };

interface Container {
  name: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
}
interface PodSpec {
  serviceAccountName: string;
  securityContext: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
  volumes: { name: string; csi?: { volumeAttributes: { secretProviderClass: string } }; persistentVolumeClaim?: { claimName: string }; configMap?: { name: string } }[];
}

const find = (manifests: Manifest[], kind: string, name?: string) => manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));

it('topology.json is what topology/ renders now (npm run chart -w containers -- values)', async () => {
  expect(readFileSync(topologyValuesFile, 'utf8')).toBe(await renderTopologyValues());
});

describe.each(environments)('the chart with values-%s.yaml', (env) => {
  const manifests = renderChart({ release: 'evermall-shop', valueFiles: [valuesFile(env)], setFiles });

  it('passes helm lint --strict', () => {
    expect(lintChart([valuesFile(env)], setFiles)).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('renders every manifest valid against the Kubernetes schemas; the SecretProviderClasses against the driver’s fields', () => {
    const results = manifests.map(validateManifest);
    expect(results.filter((r) => r.result === 'invalid')).toEqual([]);
    const unchecked = results.filter((r) => r.result === 'no-schema').map((r) => r.manifest);
    expect(unchecked.every((id) => id.startsWith('secrets-store.csi.x-k8s.io/v1 SecretProviderClass '))).toBe(true);
    for (const spc of find(manifests, 'SecretProviderClass')) expect(checkSecretProviderClass(spc, parse), spc.metadata.name).toEqual([]);
    const kinds = new Set(manifests.map((m) => m.kind));
    for (const kind of [
      'Deployment',
      'Service',
      'PodDisruptionBudget',
      'HorizontalPodAutoscaler',
      'Ingress',
      'StorageClass',
      'PersistentVolumeClaim',
      'SecretProviderClass',
      'ServiceAccount',
      'ConfigMap',
      'Job',
    ]) {
      expect(kinds, kind).toContain(kind);
    }
    // The EC2 fleet's access point (production) is a static volume; staging's is provisioned.
    expect(find(manifests, 'PersistentVolume')).toHaveLength(env === 'production' ? 1 : 0);
    // The file system's policy refuses anonymous clients: every EFS mount goes over TLS with the pod's IAM identity.
    for (const volume of [...find(manifests, 'StorageClass'), ...find(manifests, 'PersistentVolume')]) {
      const options = (volume as { mountOptions?: string[] }).mountOptions ?? (volume.spec as { mountOptions?: string[] } | undefined)?.mountOptions;
      expect(options, `${volume.kind} ${volume.metadata.name}`).toEqual(expect.arrayContaining(['tls', 'iam']));
    }
  });

  it('runs the shop as the service user on a read-only root file system, writing only where the EC2 unit may', () => {
    const [deployment] = find(manifests, 'Deployment');
    const pod = (deployment!.spec as { template: { spec: PodSpec } }).template.spec;
    const [shop] = pod.containers;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1001 });
    expect(shop!.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const writable = shop!.volumeMounts!.filter((v) => !v.readOnly).map((v) => v.mountPath);
    expect(writable.sort()).toEqual(writablePaths().sort());
  });

  it('refers only to objects it renders: service account, secret provider class, synced secret keys, claim, config map', () => {
    const [deployment] = find(manifests, 'Deployment');
    const pod = (deployment!.spec as { template: { spec: PodSpec } }).template.spec;
    expect(find(manifests, 'ServiceAccount', pod.serviceAccountName)).toHaveLength(1);
    for (const v of pod.volumes) {
      if (v.csi) expect(find(manifests, 'SecretProviderClass', v.csi.volumeAttributes.secretProviderClass)).toHaveLength(1);
      if (v.persistentVolumeClaim) expect(find(manifests, 'PersistentVolumeClaim', v.persistentVolumeClaim.claimName)).toHaveLength(1);
      if (v.configMap) expect(find(manifests, 'ConfigMap', v.configMap.name)).toHaveLength(1);
    }
    const synced = find(manifests, 'SecretProviderClass', pod.volumes.find((v) => v.csi)!.csi!.volumeAttributes.secretProviderClass)[0]!.spec as {
      secretObjects: { secretName: string; data: { key: string }[] }[];
    };
    for (const e of pod.containers[0]!.env!.filter((e) => e.valueFrom?.secretKeyRef)) {
      const ref = e.valueFrom!.secretKeyRef!;
      const secret = synced.secretObjects.find((s) => s.secretName === ref.name);
      expect(
        secret?.data.map((d) => d.key),
        `${e.name} comes from a synced key`,
      ).toContain(ref.key);
    }
  });

  it('keeps the migration Job out of the shop’s Service, budget and spread', () => {
    const [job] = find(manifests, 'Job');
    const [service] = find(manifests, 'Service');
    const labels = (job!.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    const selector = (service!.spec as { selector: Record<string, string> }).selector;
    expect(Object.entries(selector).every(([k, v]) => labels[k] === v)).toBe(false);
  });
});

describe('the chart as infra installs it: the pods in infra’s target group, the backup-site uploader, the order events topic', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-chart-upload-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = path.join(dir, 'upload.sh');
  // A script with what infra's has in it: quotes, globs, variables and commas, which --set would split.
  writeFileSync(script, "set -euo pipefail\n[ -f \"$index\" ] || exit 0\naws s3 sync /var/lib/evermall/backup-site s3://bucket --exclude 'maintenance*' --dimensions A='b,c'\n");
  const targetGroupArn = 'arn:aws:elasticloadbalancing:ap-northeast-2:444455556666:targetgroup/evermall-shop/0123456789abcdef';
  const topicArn = 'arn:aws:sns:ap-northeast-2:444455556666:Evermall-App-OrderEventsTopic.fifo';
  const mediaBucket = 'evermall-app-mediapipelinebucketd24fe6fd-1a2b3c4d5e6f';
  const manifests = renderChart({
    release: 'evermall-shop',
    valueFiles: [valuesFile('production')],
    setFiles: { ...setFiles, 'backupSite.uploadScript': script },
    setStrings: {
      'targetGroupBinding.targetGroupArn': targetGroupArn,
      'events.brokerUrl': topicArn,
      'media.bucket': mediaBucket,
      'media.bucketRegion': 'ap-northeast-2',
    },
  });
  const shopEnvNamed = (rendered: Manifest[], names: string[]) =>
    (find(rendered, 'Deployment')[0]!.spec as { template: { spec: PodSpec } }).template.spec.containers[0]!.env!.filter((e) => names.includes(e.name));

  it('gives the shop the media bucket and its region (MEDIA_BUCKET, MEDIA_BUCKET_REGION), which the defaults leave out, and refuses a bucket without its region', () => {
    const names = ['MEDIA_BUCKET', 'MEDIA_BUCKET_REGION'];
    expect(shopEnvNamed(manifests, names)).toEqual([
      { name: 'MEDIA_BUCKET', value: mediaBucket },
      { name: 'MEDIA_BUCKET_REGION', value: 'ap-northeast-2' },
    ]);
    expect(shopEnvNamed(renderChart({ release: 'evermall-shop', valueFiles: [valuesFile('production')], setFiles }), names)).toEqual([]);
    expect(() => renderChart({ release: 'evermall-shop', valueFiles: [valuesFile('production')], setFiles, setStrings: { 'media.bucket': mediaBucket } })).toThrow(
      /media.bucketRegion is required with media.bucket/,
    );
  });

  it('gives the shop the order events topic as EVENT_BROKER_URL, which the defaults leave out', () => {
    const shopEnv = (rendered: Manifest[]) =>
      (find(rendered, 'Deployment')[0]!.spec as { template: { spec: PodSpec } }).template.spec.containers[0]!.env!.filter((e) => e.name === 'EVENT_BROKER_URL');
    expect(shopEnv(manifests)).toEqual([{ name: 'EVENT_BROKER_URL', value: topicArn }]);
    expect(shopEnv(renderChart({ release: 'evermall-shop', valueFiles: [valuesFile('production')], setFiles }))).toEqual([]);
  });

  it('renders every manifest valid; the TargetGroupBinding names the target group and the shop’s Service, and no Ingress is made', () => {
    const results = manifests.map(validateManifest);
    expect(results.filter((r) => r.result === 'invalid')).toEqual([]);
    expect(find(manifests, 'Ingress')).toEqual([]);
    const [binding] = find(manifests, 'TargetGroupBinding');
    expect(binding?.apiVersion).toBe('elbv2.k8s.aws/v1beta1');
    const spec = binding!.spec as { targetGroupARN: string; targetType: string; serviceRef: { name: string; port: number } };
    expect(spec).toMatchObject({ targetGroupARN: targetGroupArn, targetType: 'ip' });
    const [service] = find(manifests, 'Service', spec.serviceRef.name);
    expect((service!.spec as { ports: { port: number }[] }).ports.map((p) => p.port)).toContain(spec.serviceRef.port);
  });

  it('runs the uploader as a native sidecar beside the shop: the script unchanged, the state folder shared, the same locked-down container', () => {
    const [deployment] = find(manifests, 'Deployment');
    const pod = (deployment!.spec as { template: { spec: PodSpec & { initContainers?: (Container & { restartPolicy?: string; image: string })[] } } }).template.spec;
    const [uploader] = pod.initContainers ?? [];
    expect(uploader).toMatchObject({ name: 'backup-site-upload', restartPolicy: 'Always' });
    expect(uploader!.image).toMatch(/^public\.ecr\.aws\/aws-cli\/aws-cli:2\.\d+\.\d+$/);
    expect(uploader!.env!.find((e) => e.name === 'UPLOAD_SCRIPT')?.value).toBe(readFileSync(script, 'utf8'));
    const shopState = pod.containers[0]!.volumeMounts!.find((m) => m.name === 'state')!;
    expect(uploader!.volumeMounts).toContainEqual({ name: 'state', mountPath: shopState.mountPath });
    expect(uploader!.securityContext).toEqual(pod.containers[0]!.securityContext);
    expect(pod.volumes.map((v) => v.name)).toContain('upload-tmp');
  });
});

it('refuses to render without a value infra must pass, naming it', () => {
  expect(() => renderChart({ valueFiles: [valuesFile('staging')] })).toThrow(HelmError);
  expect(() => renderChart({ valueFiles: [valuesFile('staging')] })).toThrow(/database\.caBundle is required/);
});
