// Offline synthesis (no AWS credentials, no network) of named configurations into cdk.out/<name>.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configurations, appFor, type ConfigurationName } from '../lib/configurations.js';
import { createEvermall } from '../lib/evermall.js';

const infraDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`Usage: tsx scripts/synth.ts [--example] [NAME...]

Synthesizes Evermall offline (no credentials, no lookups) with cdk.json's feature flags and
runs cdk-nag (AwsSolutions) as part of synthesis: an unacknowledged finding fails it.

  (no argument)  every configuration into cdk.out/<name>: ${Object.keys(configurations).join(', ')}
  --example      the production profile with domain shop.example.com into cdk.out.example
  NAME...        only these configurations

To deploy, use the CDK CLI with your own parameters (see infra/README.md).
`);
  process.exit(0);
}

const example = args.includes('--example');
const names = (example ? ['example'] : args.length > 0 ? args : Object.keys(configurations)) as ConfigurationName[];
for (const name of names) {
  const parameters = configurations[name];
  if (!parameters) {
    process.stderr.write(`Unknown configuration ${name}; choose from ${Object.keys(configurations).join(', ')}\n`);
    process.exit(2);
  }
  const outdir = example ? path.join(infraDir, 'cdk.out.example') : path.join(infraDir, 'cdk.out', name);
  rmSync(outdir, { recursive: true, force: true });
  const app = appFor(parameters, outdir);
  const stacks = createEvermall(app);
  app.synth();
  const stackNames = Object.values(stacks).flatMap((s) => (s && typeof s === 'object' && 'stackName' in s ? [s.stackName as string] : []));
  process.stdout.write(`synth ${name}: ${stackNames.join(', ')} → ${path.relative(process.cwd(), outdir) || '.'}\n`);
}
