import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBaseImage } from './base-image.js';
import { podman, podmanWithProgress } from './engine.js';
import { ensureRelease } from './release.js';

/** The repository root: the build context. */
export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const dockerfile = path.join(repositoryRoot, 'containers', 'Dockerfile');
export const dockerignore = path.join(repositoryRoot, 'containers', 'Dockerfile.dockerignore');

export const imageRepository = 'localhost/evermall-shop';

export interface BuildImageOptions {
  /** Default: `localhost/evermall-shop:<version>-<release digest>`. */
  readonly tag?: string;
  /** The repository's address for org.opencontainers.image.source; default: git's origin, else the local checkout. */
  readonly source?: string;
  readonly progress?: (line: string) => void;
}

export interface BuiltImage {
  readonly tag: string;
  readonly id: string;
  readonly baseTag: string;
  readonly baseBuilt: boolean;
  readonly sizeBytes: number;
  readonly labels: Record<string, string>;
}

/**
 * Builds the shop's image: shop/dist made current (as infra does before it ships the release),
 * the base image made or reused, then the Dockerfile built with podman. The build runs its steps
 * with chroot isolation and stores the Docker format, whose HEALTHCHECK the OCI format drops.
 */
export async function buildImage(options: BuildImageOptions = {}): Promise<BuiltImage> {
  const progress = options.progress ?? (() => undefined);
  const manifest = ensureRelease(repositoryRoot, progress);
  const base = await ensureBaseImage(progress);
  const version = (JSON.parse(readFileSync(path.join(repositoryRoot, 'shop', 'package.json'), 'utf8')) as { version: string }).version;
  const releaseId = manifest.inputsDigest.replace(/^sha256:/, '').slice(0, 12);
  const tag = options.tag ?? `${imageRepository}:${version}-${releaseId}`;
  const buildArgs = {
    BASE_IMAGE: base.tag,
    VERSION: version,
    REVISION: gitRevision(),
    SOURCE: options.source ?? gitSource(),
    INPUTS_DIGEST: manifest.inputsDigest,
  };
  progress(`podman build ${tag} (Node ${manifest.node}, release ${releaseId}, base ${base.tag})`);
  await podmanWithProgress(
    [
      'build',
      '--format',
      'docker',
      '--isolation',
      'chroot',
      '--file',
      dockerfile,
      '--ignorefile',
      dockerignore,
      ...Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
      '--tag',
      tag,
      repositoryRoot,
    ],
    progress,
  );
  const [inspected] = JSON.parse(podman(['image', 'inspect', tag])) as { Id: string; Size: number; Config: { Labels?: Record<string, string> } }[];
  return { tag, id: inspected!.Id, baseTag: base.tag, baseBuilt: base.built, sizeBytes: inspected!.Size, labels: inspected!.Config.Labels ?? {} };
}

/** The commit being built, `-dirty` when the work tree differs from it. */
function gitRevision(): string {
  const head = spawnSync('git', ['-C', repositoryRoot, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['-C', repositoryRoot, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? '-dirty' : ''}`;
}

/** Where the source is: git's origin (the workflow passes the GitHub address), else this checkout. */
function gitSource(): string {
  const origin = spawnSync('git', ['-C', repositoryRoot, 'config', '--get', 'remote.origin.url'], { encoding: 'utf8' });
  return origin.status === 0 && origin.stdout.trim() ? origin.stdout.trim() : `file://${repositoryRoot}`;
}

/** Removes an image (and its build stages' dangling layers); the base image stays for the next build. */
export function removeImage(tag: string): void {
  podman(['image', 'rm', '--force', tag]);
  podman(['image', 'prune', '--force']);
}
