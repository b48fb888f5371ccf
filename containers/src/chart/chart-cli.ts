import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { helm } from './helm.js';
import { chartDir, renderTopologyValues, topologyValuesFile } from './topology-values.js';

const HELP = `Usage: npm run chart -w containers -- <command>

Commands:
  values                     Writes chart/evermall-shop/topology.json from topology/ (the tests fail while it is stale).
  render <staging|production> --set-file database.caBundle=FILE
                             Prints the manifests helm renders for that value file (offline; no cluster).`;

const [command, ...rest] = process.argv.slice(2);
if (command === 'values') {
  writeFileSync(topologyValuesFile, await renderTopologyValues());
  process.stdout.write(`✓ wrote ${path.relative(process.cwd(), topologyValuesFile)}\n`);
} else if (command === 'render' && rest[0] && !rest[0].startsWith('-')) {
  process.stdout.write(helm(['template', 'evermall-shop', chartDir, '--values', path.join(chartDir, `values-${rest[0]}.yaml`), ...rest.slice(1)]));
} else {
  process.stdout.write(`${HELP}\n`);
  process.exit(command === '--help' || command === '-h' ? 0 : 1);
}
