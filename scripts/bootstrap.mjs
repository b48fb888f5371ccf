#!/usr/bin/env node
// The first step of `npm start` and `npm test` on any machine, fresh or not: npm dependencies
// (installed with `npm ci` when node_modules is missing or was installed from another
// package-lock.json), then the Debian packages (scripts/ensure-system.mjs), then the command,
// run with the project's Node 24 first on the PATH. Plain JavaScript for the machine's own Node
// (20 on a fresh Debian machine), because it runs before node_modules exists.
//
// The command is a child of this process, not of a shell: a stop signal (SIGINT, SIGTERM,
// SIGHUP) reaches it at any moment, including during the installs, and if npm itself dies
// (npm does not forward SIGHUP), the command gets SIGHUP too instead of running on orphaned.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HELP = `Usage: node scripts/bootstrap.mjs [--for start|test] [--cwd DIR] [--skip-install] [-- COMMAND ARGS...]
Installs npm dependencies when node_modules is missing or stale (npm ci), installs missing Debian
packages (as root; waits for the apt/dpkg lock), then runs COMMAND from DIR with the project's
Node first on the PATH, forwarding SIGINT, SIGTERM and SIGHUP, and exits with its status.
--skip-install runs COMMAND straight away (the tests of this script use it).`;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function parseArgs(argv) {
  const dash = argv.indexOf('--');
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const command = dash >= 0 ? argv.slice(dash + 1) : [];
  const value = (flag) => {
    const i = own.indexOf(flag);
    return i >= 0 ? own[i + 1] : undefined;
  };
  return {
    help: own.includes('--help') || own.includes('-h'),
    skipInstall: own.includes('--skip-install'),
    purpose: value('--for') ?? 'start',
    cwd: path.resolve(root, value('--cwd') ?? '.'),
    command,
  };
}

const say = (line) => process.stdout.write(`${line}\n`);

/** The PATH of an npm script: the project's node_modules/.bin (Node 24 among them) first. */
function projectEnv() {
  return { ...process.env, PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}` };
}

let current; // the child running now, which a stop signal is passed to
let stoppedBy;
for (const signal of stopSignals) {
  process.on(signal, () => {
    stoppedBy ??= signal;
    if (current && current.exitCode === null) current.kill(signal);
    else process.exit(128 + signalNumber(signal));
  });
}
// npm forwards SIGINT and SIGTERM to its script but dies on SIGHUP: when our parent is gone,
// pass the stop on as SIGHUP.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent && !stoppedBy) process.emit('SIGHUP', 'SIGHUP');
}, 500).unref();

function signalNumber(signal) {
  return { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }[signal] ?? 1;
}

/** Runs a command to its end; resolves with its exit status (128 + n when a signal ended it). */
function run(cmd, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env: projectEnv(), cwd: root, ...options });
    current = child;
    child.once('error', (err) => {
      process.stderr.write(`${cmd}: ${err.message}\n`);
      resolve(127);
    });
    child.once('exit', (code, signal) => resolve(code ?? 128 + signalNumber(signal)));
  });
}

function lockDigest() {
  return createHash('sha256')
    .update(readFileSync(path.join(root, 'package-lock.json')))
    .digest('hex');
}

const stampFile = path.join(root, 'node_modules', '.evermall-installed');

/** Why node_modules needs an install, or undefined when it matches package-lock.json. */
function installNeeded() {
  if (!existsSync(path.join(root, 'node_modules'))) return 'node_modules is missing';
  if (!existsSync(path.join(root, 'node_modules', '.bin', 'node'))) return 'the project Node is missing';
  if (!existsSync(stampFile)) return 'node_modules was not installed by this script';
  if (readFileSync(stampFile, 'utf8').trim() !== lockDigest()) return 'package-lock.json changed since the last install';
  return undefined;
}

async function ensureNodeModules() {
  const reason = installNeeded();
  if (!reason) {
    say('  ✓ npm dependencies match package-lock.json');
    return;
  }
  const started = Date.now();
  say(`▸ npm dependencies: ${reason}; running npm ci (about a minute on a fresh machine)`);
  const status = await run('npm', ['ci', '--no-audit', '--no-fund']);
  if (status !== 0) {
    if (!stoppedBy) process.stderr.write('npm ci failed: fix the error above (network to the npm registry?) and run the command again.\n');
    process.exit(status);
  }
  writeFileSync(stampFile, `${lockDigest()}\n`);
  say(`  ✓ npm dependencies installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

const args = parseArgs(process.argv.slice(2));
if (args.help) {
  say(HELP);
  process.exit(0);
}

if (!args.skipInstall) {
  say('▸ npm dependencies');
  await ensureNodeModules();
  const version = spawnSync(path.join(root, 'node_modules', '.bin', 'node'), ['--version'], { encoding: 'utf8' }).stdout?.trim();
  say(`  ✓ Node ${version} (node_modules/.bin/node, first on every npm script's PATH)`);
  say('▸ system packages');
  const system = await run(process.execPath, [path.join(root, 'scripts', 'ensure-system.mjs'), '--for', args.purpose]);
  if (system !== 0) process.exit(system);
  if (stoppedBy) process.exit(128 + signalNumber(stoppedBy));
}
if (args.command.length === 0) process.exit(0);

const [cmd, ...rest] = args.command;
const status = await run(cmd, rest, { cwd: args.cwd });
process.exit(status);
