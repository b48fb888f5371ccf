import * as models from 'kubernetes-models';
import type { Manifest } from './helm.js';

/**
 * Offline schema validation of rendered manifests with kubernetes-models (the Kubernetes OpenAPI
 * schemas compiled to validators): required fields, types and enums. Like `kubectl` without
 * `--validate=strict`, the schemas accept fields they do not know, so a misspelt field name passes;
 * the chart tests assert the fields that matter by value.
 *
 * Custom resources have no schema here: SecretProviderClass (secrets-store.csi.x-k8s.io) is checked
 * by `checkSecretProviderClass` against the fields the driver and its AWS provider document.
 */

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: object) => Validatable;

/** apiVersion → the kubernetes-models namespace that holds its kinds. */
const groups: Record<string, Record<string, unknown>> = {
  v1: models.v1,
  'apps/v1': models.apps.v1,
  'batch/v1': models.batch.v1,
  'policy/v1': models.policy.v1,
  'autoscaling/v2': models.autoscaling.v2,
  'networking.k8s.io/v1': models.networkingK8sIo.v1,
  'storage.k8s.io/v1': models.storageK8sIo.v1,
};

export type Validation = { manifest: string; result: 'valid' } | { manifest: string; result: 'invalid'; error: string } | { manifest: string; result: 'no-schema' };

export function validateManifest(m: Manifest): Validation {
  const id = `${m.apiVersion} ${m.kind} ${m.metadata?.name}`;
  const Model = groups[m.apiVersion]?.[m.kind] as ModelClass | undefined;
  if (!Model) return { manifest: id, result: 'no-schema' };
  try {
    new Model(m).validate();
    return { manifest: id, result: 'valid' };
  } catch (err) {
    return { manifest: id, result: 'invalid', error: (err as Error).message };
  }
}

/**
 * SecretProviderClass v1 (secrets-store-csi-driver, "SecretProviderClass" CRD) with the AWS
 * provider's parameters (aws/secrets-store-csi-driver-provider-aws README): returns the problems.
 */
export function checkSecretProviderClass(m: Manifest, parseYaml: (text: string) => unknown): string[] {
  const problems: string[] = [];
  const spec = m.spec as { provider?: unknown; parameters?: Record<string, unknown>; secretObjects?: unknown } | undefined;
  if (m.apiVersion !== 'secrets-store.csi.x-k8s.io/v1') problems.push(`apiVersion ${m.apiVersion}`);
  if (spec?.provider !== 'aws') problems.push('spec.provider must be aws');
  const params = spec?.parameters ?? {};
  for (const [k, v] of Object.entries(params)) if (typeof v !== 'string') problems.push(`spec.parameters.${k} must be a string`);
  if (!['true', 'false', undefined].includes(params.usePodIdentity as string | undefined)) problems.push('usePodIdentity must be "true" or "false"');
  const objects = parseYaml(String(params.objects ?? '')) as { objectName?: unknown; objectAlias?: unknown; jmesPath?: { path?: unknown; objectAlias?: unknown }[] }[];
  if (!Array.isArray(objects) || objects.length === 0) return [...problems, 'spec.parameters.objects must be a YAML list'];
  const aliases = new Set<string>();
  for (const o of objects) {
    if (typeof o.objectName !== 'string' || !o.objectName) problems.push('an object has no objectName');
    if (typeof o.objectAlias !== 'string' || o.objectAlias.includes('/')) problems.push(`${String(o.objectName)} needs a file name as objectAlias`);
    else aliases.add(o.objectAlias);
    for (const j of o.jmesPath ?? []) {
      if (typeof j.path !== 'string' || typeof j.objectAlias !== 'string') problems.push(`${String(o.objectName)}: jmesPath entries need path and objectAlias`);
      else aliases.add(j.objectAlias);
    }
  }
  const synced = (spec?.secretObjects ?? []) as { secretName?: unknown; type?: unknown; data?: { objectName?: unknown; key?: unknown }[] }[];
  for (const s of synced) {
    if (typeof s.secretName !== 'string' || typeof s.type !== 'string') problems.push('secretObjects need secretName and type');
    for (const d of s.data ?? []) {
      if (typeof d.objectName !== 'string' || !aliases.has(d.objectName)) problems.push(`secretObjects refers to ${String(d.objectName)}, which no object mounts`);
      if (typeof d.key !== 'string') problems.push('secretObjects data need a key');
    }
  }
  return problems;
}
