// Prints every unacknowledged cdk-nag finding, per configuration: tsx scripts/nag-report.ts [NAME...]
import { AwsSolutionsChecks } from 'cdk-nag';
import { appFor, configurations, type ConfigurationName } from '../lib/configurations.js';
import { createEvermall } from '../lib/evermall.js';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  process.stdout.write(`Usage: tsx scripts/nag-report.ts [NAME...]\nLists unacknowledged AwsSolutions findings for ${Object.keys(configurations).join(', ')}.\n`);
  process.exit(0);
}
let findings = 0;
for (const name of (args.length ? args : Object.keys(configurations)) as ConfigurationName[]) {
  const app = appFor(configurations[name]);
  const stacks = createEvermall(app);
  for (const stack of Object.values(stacks)) {
    if (!stack || typeof stack !== 'object' || !('stackName' in stack)) continue;
    for (const v of new AwsSolutionsChecks(app).validateScope(stack).violations) {
      for (const r of v.violatingResources) {
        findings++;
        process.stdout.write(`${name}\t${v.ruleName}\t${r.constructPath ?? ''}\n`);
      }
    }
  }
}
process.stdout.write(`${findings} unacknowledged finding(s)\n`);
process.exit(findings === 0 ? 0 : 1);
