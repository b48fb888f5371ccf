#!/usr/bin/env node
// Bundles the shop for the EC2 instances: one ESM file per entry (server, cli) for Node 20,
// plus the SQL migrations and the few packages that cannot be bundled. No Docker.
//
//   node build.mjs [--out DIR]      (default: shop/dist)
//
// What cannot be bundled, and why it ships as node_modules next to the bundle:
// - @node-rs/argon2 loads a native .node binary chosen by platform. We ship the binary that
//   npm installed here (linux-x64-gnu, built against glibc 2.17, so it runs on Amazon Linux
//   2023). That is why the fleet runs x86_64 instances, and why an instance never runs
//   `npm install` at boot: scale-out must not depend on the npm registry being up.
// - @fastify/swagger-ui serves its static files from its own package folder.
// The instance sets MIGRATIONS_DIR to the copied migrations folder (see infra/lib/constructs/user-data.ts).
import { build } from 'esbuild';
import { cp, mkdir, readFile, rm, writeFile, access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const shopDir = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write('Usage: node build.mjs [--out DIR]\nBundles server.js and cli.js for Node 20 (ESM) with migrations and native deps into DIR (default shop/dist).\n');
  process.exit(0);
}
const outIndex = args.indexOf('--out');
const outDir = path.resolve(outIndex >= 0 && args[outIndex + 1] ? args[outIndex + 1] : path.join(shopDir, 'dist'));

/** Packages loaded at run time from node_modules next to the bundle. */
const external = ['@node-rs/argon2', '@fastify/swagger-ui'];

async function exists(p) {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

const entryPoints = {};
for (const name of ['server', 'cli']) {
  const file = path.join(shopDir, 'src', `${name}.ts`);
  if (await exists(file)) entryPoints[name] = file;
  else process.stderr.write(`build: ${path.relative(shopDir, file)} does not exist yet; skipping it\n`);
}
if (!entryPoints.server) {
  process.stderr.write('build: src/server.ts is missing; nothing to bundle\n');
  process.exit(1);
}

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });

await build({
  entryPoints,
  outdir: outDir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  legalComments: 'linked',
  external,
  logLevel: 'warning',
  // Bundled CommonJS dependencies still call require() and read __dirname.
  banner: {
    js: [
      "import { createRequire as __evermallCreateRequire } from 'node:module';",
      "import { fileURLToPath as __evermallFileURLToPath } from 'node:url';",
      "import { dirname as __evermallDirname } from 'node:path';",
      'const require = __evermallCreateRequire(import.meta.url);',
      'const __filename = __evermallFileURLToPath(import.meta.url);',
      'const __dirname = __evermallDirname(__filename);',
    ].join('\n'),
  },
});

await cp(path.join(shopDir, 'migrations'), path.join(outDir, 'migrations'), { recursive: true });

// Copy each external package and its installed runtime dependencies (optional ones only when
// npm installed them, i.e. the native binary for this platform).
const require = createRequire(path.join(shopDir, 'package.json'));
const copied = new Set();
async function copyPackage(name, fromDir) {
  if (copied.has(name)) return;
  let manifestPath;
  try {
    manifestPath = createRequire(path.join(fromDir, 'noop.js')).resolve(`${name}/package.json`);
  } catch {
    return; // an optional dependency for another platform
  }
  copied.add(name);
  const pkgDir = path.dirname(manifestPath);
  await cp(pkgDir, path.join(outDir, 'node_modules', name), { recursive: true, dereference: true });
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  for (const dep of [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {})]) {
    await copyPackage(dep, pkgDir);
  }
}
for (const name of external) {
  require.resolve(`${name}/package.json`); // fail loudly if the shop's own dependency is missing
  await copyPackage(name, shopDir);
}

const shopManifest = JSON.parse(await readFile(path.join(shopDir, 'package.json'), 'utf8'));
await writeFile(
  path.join(outDir, 'package.json'),
  `${JSON.stringify({ name: 'evermall-shop-bundle', version: shopManifest.version, private: true, type: 'module' }, null, 2)}\n`,
);
process.stdout.write(`build: bundled ${Object.keys(entryPoints).join(', ')} with ${copied.size} external packages into ${outDir}\n`);
