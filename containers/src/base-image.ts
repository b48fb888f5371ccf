import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { imageExists, podmanWithProgress } from './engine.js';

/**
 * The image's base: a Debian bookworm root file system made here with `debootstrap
 * --variant=minbase` from the apt mirror this machine uses, imported into podman's store. No
 * image registry is reachable from these machines, so no `FROM debian:bookworm`. The tag carries a
 * digest of everything the root file system is made from, so each machine builds it once and every
 * later image build (and CI run) reuses it.
 */
export const baseImageRepository = 'localhost/evermall-base';

export interface BaseImageInputs {
  readonly suite: string;
  readonly mirror: string;
  readonly variant: 'minbase';
  /**
   * Packages beyond minbase. The release's Node links libstdc++ and libgcc_s (ldd); minbase has
   * them only through apt, so they are named here. `passwd` brings useradd for the service user.
   */
  readonly include: readonly string[];
  /** debootstrap's own version: a new one may lay the root file system out differently. */
  readonly debootstrapVersion: string;
}

/** Removed from the root file system before import: caches and documentation no process reads. */
const trimmed = ['var/cache/apt', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'var/log'];

/** The `deb` mirror this machine installs Debian packages from (deb822 .sources files, then sources.list). */
export function debianMirror(aptDir = '/etc/apt'): string {
  const sources = path.join(aptDir, 'sources.list.d');
  let files: string[] = [];
  try {
    files = readdirSync(sources)
      .filter((f) => f.endsWith('.sources'))
      .map((f) => path.join(sources, f));
  } catch {
    // no sources.list.d
  }
  for (const file of files) {
    for (const stanza of readFileSync(file, 'utf8').split(/\n\s*\n/)) {
      const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'mi').exec(stanza)?.[1]?.trim();
      if (field('Enabled') === 'no' || !/\bdeb\b/.test(field('Types') ?? '')) continue;
      const uri = field('URIs')?.split(/\s+/)[0];
      if (uri && (field('Suites') ?? '').split(/\s+/).includes('bookworm')) return uri;
    }
  }
  try {
    const line = readFileSync(path.join(aptDir, 'sources.list'), 'utf8')
      .split('\n')
      .find((l) => /^deb\s+(\[[^\]]*\]\s+)?\S+\s+bookworm\s/.test(l));
    const uri = line?.replace(/^deb\s+(\[[^\]]*\]\s+)?/, '').split(/\s+/)[0];
    if (uri) return uri;
  } catch {
    // no sources.list
  }
  throw new Error(`no Debian bookworm mirror in ${aptDir}/sources.list.d/*.sources or ${aptDir}/sources.list: the base image is made from the machine's own mirror`);
}

export function baseImageInputs(): BaseImageInputs {
  const version = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'debootstrap'], { encoding: 'utf8' });
  if (version.status !== 0) throw new Error('debootstrap is not installed: run node scripts/ensure-system.mjs');
  return { suite: 'bookworm', mirror: debianMirror(), variant: 'minbase', include: ['libstdc++6', 'libgcc-s1', 'passwd'], debootstrapVersion: version.stdout.trim() };
}

/** `localhost/evermall-base:bookworm-<digest>`: equal inputs, equal tag. */
export function baseImageTag(inputs: BaseImageInputs): string {
  const digest = createHash('sha256')
    .update(JSON.stringify({ ...inputs, trimmed }))
    .digest('hex')
    .slice(0, 16);
  return `${baseImageRepository}:${inputs.suite}-${digest}`;
}

/**
 * The base image for this machine: the one in podman's store when its inputs are unchanged,
 * otherwise made now (debootstrap, about a minute, then `podman import`). Returns its tag.
 */
export async function ensureBaseImage(progress: (line: string) => void = () => undefined): Promise<{ tag: string; built: boolean }> {
  const inputs = baseImageInputs();
  const tag = baseImageTag(inputs);
  if (imageExists(tag)) {
    progress(`base image ${tag} is there already`);
    return { tag, built: false };
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'evermall-base-'));
  const rootfs = path.join(work, 'rootfs');
  try {
    progress(`debootstrap --variant=${inputs.variant} ${inputs.suite} from ${inputs.mirror}`);
    await run('debootstrap', [`--variant=${inputs.variant}`, `--include=${inputs.include.join(',')}`, inputs.suite, rootfs, inputs.mirror], progress);
    for (const dir of trimmed) rmSync(path.join(rootfs, dir), { recursive: true, force: true });
    progress(`podman import → ${tag}`);
    const tar = spawn('tar', ['-C', rootfs, '--numeric-owner', '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await podmanWithProgress(['import', '--message', `debootstrap ${inputs.variant} ${inputs.suite} from ${inputs.mirror}`, '-', tag], progress, tar.stdout);
    return { tag, built: true };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], progress: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
      for (const line of chunk.toString().split('\n')) if (line.trim()) progress(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} failed (exit ${code}): ${tail.trim().split('\n').slice(-3).join(' | ')}`))));
  });
}
