#!/usr/bin/env node
// Bundles the shop into a release, the one artifact EC2 instances and the twin both run: one ESM
// file per entry (server, cli) for Node 24, the Node 24 runtime itself, the SQL migrations and the
// few packages that cannot be bundled. No Docker.
//
//   node build.mjs [--out DIR]      (default: shop/dist)
//
// The runtime is the `node` npm package the project installs (linux-x64, the fleet's platform), so
// no instance installs Node from a package repository and the twin runs exactly what AWS runs.
// It is hard-linked when the output is on the same file system (it is about 126 MB), else copied.
//
// The release is built for one target, whatever machine builds it: releaseTarget in
// src/release/inputs.ts (linux, x64, glibc: the fleet's Amazon Linux 2023 on x86_64). A manifest,
// release.json, records the target, the runtime, the native packages and a digest of every input
// file; infra refuses to ship a release whose digest no longer matches the sources.
//
// What cannot be bundled, and why it ships as node_modules next to the bundle:
// - @node-rs/argon2 loads a native .node binary chosen by platform. We ship the target's package
//   by name, @node-rs/argon2-linux-x64-gnu (built against glibc 2.17, so it runs on Amazon Linux
//   2023), never whichever one npm installed for the building machine; the build fails if it is
//   not installed. An instance never runs `npm install` at boot: scale-out must not depend on the
//   npm registry being up.
// - @fastify/swagger-ui serves its static files from its own package folder.
// The service sets MIGRATIONS_DIR to the copied migrations folder (see src/release/service.ts).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, cp, link, mkdir, open, readFile, rm, writeFile, access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { releaseInputsDigest, releaseManifestFile, releaseTarget } from './src/release/inputs.ts';
import { releaseLayout, runtimeMajor } from './src/release/layout.ts';

const shopDir = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(
    `Usage: node build.mjs [--out DIR]\nBundles server.js and cli.js for Node ${runtimeMajor} (ESM) with the Node runtime, migrations and native deps into DIR (default shop/dist).\n`,
  );
  process.exit(0);
}
const outIndex = args.indexOf('--out');
const outDir = path.resolve(outIndex >= 0 && args[outIndex + 1] ? args[outIndex + 1] : path.join(shopDir, 'dist'));

/** Packages loaded at run time from node_modules next to the bundle. */
const external = ['@node-rs/argon2', '@fastify/swagger-ui'];

/**
 * Native packages: the platform package each one loads, for the target only. npm installs only
 * the building machine's (an arm64 laptop gets -linux-arm64-gnu or -darwin-arm64), so the target's
 * must be installed explicitly: `npm install --no-save --os=linux --cpu=x64 --libc=glibc`.
 */
const nativeTargetPackages = {
  '@node-rs/argon2': `@node-rs/argon2-${releaseTarget.os}-${releaseTarget.cpu}-${releaseTarget.libc === 'glibc' ? 'gnu' : 'musl'}`,
};

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

// Taken before bundling: a source edited during the build makes the release stale, not falsely fresh.
const inputsDigest = releaseInputsDigest(path.dirname(shopDir));

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });

await build({
  entryPoints,
  outdir: outDir,
  bundle: true,
  platform: 'node',
  target: `node${runtimeMajor}`,
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
const native = [];
async function copyPackage(name, fromDir, { optional = false } = {}) {
  if (copied.has(name)) return;
  const pkgDir = await installedPackageDir(name, fromDir);
  if (!pkgDir) {
    if (optional) return;
    fail(`${name}, a dependency of ${path.relative(shopDir, fromDir) || 'the shop'}, is not installed: run npm install`);
  }
  copied.add(name);
  await cp(pkgDir, path.join(outDir, 'node_modules', name), { recursive: true, dereference: true });
  const manifest = JSON.parse(await readFile(path.join(pkgDir, 'package.json'), 'utf8'));
  for (const dep of Object.keys(manifest.dependencies ?? {})) await copyPackage(dep, pkgDir);
  const target = nativeTargetPackages[name];
  if (target) {
    // The target's binary, by name; the other platforms' optional packages are never shipped.
    const targetDir = await installedPackageDir(target, pkgDir);
    if (!targetDir) {
      fail(
        `${target} (${name}'s native binary for ${releaseTarget.os}-${releaseTarget.cpu}-${releaseTarget.libc}) is not installed: ` +
          `run npm install --no-save --os=${releaseTarget.os} --cpu=${releaseTarget.cpu} --libc=${releaseTarget.libc}`,
      );
    }
    await copyPackage(target, pkgDir);
    native.push(`${target}@${JSON.parse(await readFile(path.join(targetDir, 'package.json'), 'utf8')).version}`);
    return;
  }
  for (const dep of Object.keys(manifest.optionalDependencies ?? {})) await copyPackage(dep, pkgDir, { optional: true });
}

/**
 * The folder npm installed `name` in, looked up as Node looks up a package: node_modules/<name>
 * in `fromDir` and each folder above it. Not require.resolve('<name>/package.json'): a package
 * whose "exports" leaves out ./package.json (rfdc, a dependency of @fastify/swagger-ui) would
 * look missing, and the release would fail at start on an instance.
 */
async function installedPackageDir(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (await exists(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}
for (const name of external) {
  require.resolve(`${name}/package.json`); // fail loudly if the shop's own dependency is missing
  await copyPackage(name, shopDir);
}

const nodeVersion = await copyRuntime(path.join(outDir, releaseLayout.runtime));

/**
 * The Node runtime from the `node` npm package. It must be the major the bundle targets and an
 * x86-64 Linux binary (the fleet's platform, see infra/lib/parameters.ts), or the release would
 * not start on an instance.
 */
async function copyRuntime(to) {
  let from;
  try {
    from = path.join(path.dirname(require.resolve('node/package.json')), 'bin', 'node');
  } catch {
    fail('the `node` npm package is not installed (a root devDependency): run npm install');
  }
  const header = Buffer.alloc(20);
  const file = await open(from, 'r').catch(() => fail(`${from} is missing: run npm install`));
  try {
    await file.read(header, 0, header.length, 0);
  } finally {
    await file.close();
  }
  // ELF magic, 64-bit class, little endian, e_machine 0x3e = x86-64 (the System V ABI ELF header).
  const linuxX64 = header.readUInt32BE(0) === 0x7f454c46 && header[4] === 2 && header[5] === 1 && header.readUInt16LE(18) === 0x3e;
  if (!linuxX64) fail(`${from} is not a linux-x64 binary; the fleet runs x86_64 Linux: install the node package on linux-x64 (npm install --cpu=x64 --os=linux)`);
  const version = execFileSync(from, ['--version'], { encoding: 'utf8' }).trim();
  if (Number(/^v(\d+)\./.exec(version)?.[1]) !== runtimeMajor) {
    fail(`${from} is Node ${version}; the release needs Node ${runtimeMajor}: pin the root devDependency "node" to ^${runtimeMajor}`);
  }
  await mkdir(path.dirname(to), { recursive: true });
  try {
    await link(from, to);
  } catch (err) {
    if (!['EXDEV', 'EPERM', 'EMLINK'].includes(err.code)) throw err;
    await copyFile(from, to);
    await chmod(to, 0o755);
  }
  return version;
}

function fail(message) {
  process.stderr.write(`build: ${message}\n`);
  process.exit(1);
}

const shopManifest = JSON.parse(await readFile(path.join(shopDir, 'package.json'), 'utf8'));
await writeFile(path.join(outDir, 'package.json'), `${JSON.stringify({ name: 'evermall-shop-bundle', version: shopManifest.version, private: true, type: 'module' }, null, 2)}\n`);
// Written last: a release without its manifest is unfinished, and infra rebuilds it.
const releaseManifest = { target: releaseTarget, node: nodeVersion, inputsDigest, native };
await writeFile(path.join(outDir, releaseManifestFile), `${JSON.stringify(releaseManifest, null, 2)}\n`);
process.stdout.write(`build: bundled ${Object.keys(entryPoints).join(', ')} with Node ${runtimeMajor} and ${copied.size} external packages into ${outDir}\n`);
