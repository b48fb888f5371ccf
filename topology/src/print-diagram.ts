import { architectureDiagram } from './index.js';

if (process.argv.includes('--help')) {
  process.stdout.write('Usage: npm run diagram -w topology\nPrints the architecture diagram in Mermaid.\n');
} else {
  process.stdout.write(`${architectureDiagram()}\n`);
}
