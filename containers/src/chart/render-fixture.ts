import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chartDir } from './topology-values.js';

/** The two value files every chart test renders. */
export const environments = ['staging', 'production'] as const;
export const valuesFile = (env: (typeof environments)[number]) => path.join(chartDir, `values-${env}.yaml`);

/**
 * A stand-in for the RDS certificate bundle infra passes with --set-file: a real PEM certificate,
 * made now with openssl, so the rendered ConfigMap holds what a bundle looks like.
 */
export function certificateBundle(): { file: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-chart-'));
  const file = path.join(dir, 'global-bundle.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      file,
      '-days',
      '1',
      '-subj',
      '/CN=evermall-chart-test',
    ],
    {
      stdio: 'ignore',
    },
  );
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
