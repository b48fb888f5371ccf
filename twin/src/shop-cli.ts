import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { releaseFiles } from '@evermall/shop/release';
import { exited, spawnPart, type Owner } from './processes.js';

/** The shop workspace, found through its package name (workspaces never reach across folders). */
export function shopDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.resolve('@evermall/shop'))), '..');
}

export function shopCliAvailable(): boolean {
  return existsSync(path.join(shopDir(), 'src', 'cli.ts'));
}

/** The release whose CLI runs, as whom and with what environment (LaunchTemplate.cli()). */
export interface ShopCliLaunch {
  release: string;
  owner: Owner | undefined;
  env: Record<string, string>;
}

/**
 * Runs `shop <args>` (migrate, seed, export-static) from the release, on its own runtime, as the
 * instances run: same user and service environment. Resolves with the exit code; output goes to
 * `logFile`. Aborting `signal` kills the run (a twin stopping during its start).
 */
export async function runShopCli(args: string[], launch: ShopCliLaunch, logFile: string, signal?: AbortSignal): Promise<number> {
  const { runtime, cli } = releaseFiles(launch.release);
  const child = spawnPart(runtime, [cli, ...args], { cwd: launch.release, env: launch.env, owner: launch.owner, logFile, signal });
  await exited(child);
  return child.exitCode ?? 1;
}
