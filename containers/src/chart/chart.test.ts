import { readFileSync } from 'node:fs';
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

it('refuses to render without a value infra must pass, naming it', () => {
  expect(() => renderChart({ valueFiles: [valuesFile('staging')] })).toThrow(HelmError);
  expect(() => renderChart({ valueFiles: [valuesFile('staging')] })).toThrow(/database\.caBundle is required/);
});
