import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** Workspaces with no JavaScript entry point: resolved through their package.json. */
const withoutEntryPoint = new Set(['@evermall/storefront', '@evermall/containers']);

/** The folder of one of our workspaces, found through its package name (never a relative path). */
export function workspaceDir(packageName: string): string {
  let dir = path.dirname(require.resolve(withoutEntryPoint.has(packageName) ? `${packageName}/package.json` : packageName));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === packageName) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the folder of ${packageName}`);
    dir = parent;
  }
}
