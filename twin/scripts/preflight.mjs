#!/usr/bin/env node
// Runs before `npm start`: system packages (via scripts/ensure-system.mjs, which installs them
// with apt when root) and npm dependencies. Plain JS so it works before `npm install` ran.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

if (process.argv.includes('--help')) {
  process.stdout.write('Usage: node twin/scripts/preflight.mjs\nChecks system packages and npm dependencies before the twin starts.\n');
  process.exit(0);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

process.stdout.write('▸ system packages\n');
const system = spawnSync(process.execPath, [path.join(root, 'scripts', 'ensure-system.mjs'), '--for', 'start'], { stdio: 'inherit' });
if (system.status !== 0) process.exit(system.status ?? 1);

// A package the twin, the shop and the storefront need at run time; if one is missing the
// install is incomplete.
const needed = ['tsx', 'fastify', 'postgres', 'pino', 'sirv', '@evermall/topology', '@evermall/shop'];
const missing = needed.filter((p) => !existsSync(path.join(root, 'node_modules', p, 'package.json')));
if (missing.length > 0) {
  process.stdout.write(`▸ npm dependencies missing (${missing.join(', ')}): npm install\n`);
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { stdio: 'inherit', cwd: root });
  if (install.status !== 0) {
    process.stderr.write('npm install failed: run `npm install` in the repository root and try again.\n');
    process.exit(1);
  }
} else {
  process.stdout.write('  ✓ npm dependencies\n');
}
