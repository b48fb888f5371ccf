import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exited, spawnPart } from './processes.js';

/** The shop workspace, found through its package name (workspaces never reach across folders). */
export function shopDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.resolve('@evermall/shop'))), '..');
}

export function shopCliAvailable(): boolean {
  return existsSync(path.join(shopDir(), 'src', 'cli.ts'));
}

/**
 * Runs `shop <args>` (migrate, seed, export-static) the way `npm run <cmd> -w shop` does,
 * with the twin's environment. Resolves with the exit code; output goes to `logFile`.
 */
export async function runShopCli(args: string[], env: Record<string, string>, logFile: string): Promise<number> {
  const dir = shopDir();
  const child = spawnPart(process.execPath, ['--import', 'tsx', path.join(dir, 'src', 'cli.ts'), ...args], { cwd: dir, env: { ...process.env, ...env }, logFile });
  await exited(child);
  return child.exitCode ?? 1;
}
