import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultPorts } from '../src/config/ports.js';
import { startTwin, type RunningTwin, type StartTwinOptions, type TwinPortMap } from '../src/index.js';

/** What the twin tests share: a twin on free ports in a temp state dir, serving the storefront as it is built now. */

const STOREFRONT_DIR = fileURLToPath(new URL('../../storefront', import.meta.url));

/**
 * Every port free-picked (0), so a test's twin never collides with one a person (or another test)
 * is running. Made from the twin's own port map, so a port added to the twin is free-picked here too.
 */
export const ALL_FREE_PORTS: TwinPortMap = defaultPorts();
for (const key of Object.keys(ALL_FREE_PORTS) as (keyof TwinPortMap)[]) ALL_FREE_PORTS[key] = 0;

/**
 * The front door serves storefront/dist (copied at start): build it when it is missing or older
 * than the sources, so a browser scenario sees the app as it is now.
 */
export function ensureStorefrontBuilt(): void {
  const index = path.join(STOREFRONT_DIR, 'dist', 'index.html');
  if (existsSync(index)) {
    const newer = execFileSync('find', [path.join(STOREFRONT_DIR, 'src'), path.join(STOREFRONT_DIR, 'index.html'), '-newer', index, '-type', 'f'], { encoding: 'utf8' }).trim();
    if (!newer) return;
  }
  // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  execFileSync('npm', ['run', 'build', '-w', 'storefront'], { cwd: path.resolve(STOREFRONT_DIR, '..'), stdio: 'ignore', env: { ...process.env, NODE_ENV: 'production' } });
}

export interface TestTwin {
  twin: RunningTwin;
  stateDir: string;
  /** Stops the twin (if a scenario has not already) and removes its state dir. */
  stop(): Promise<void>;
}

/** A fresh, quiet twin on free ports in its own temp state dir, with the storefront built first. */
export async function startTestTwin(options: Omit<StartTwinOptions, 'stateDir' | 'fresh' | 'quiet' | 'ports'> = {}): Promise<TestTwin> {
  ensureStorefrontBuilt();
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'evermall-twin-'));
  const twin = await startTwin({ stateDir, fresh: true, quiet: true, ports: ALL_FREE_PORTS, ...options }).catch((err: unknown) => {
    rmSync(stateDir, { recursive: true, force: true });
    throw err;
  });
  return {
    twin,
    stateDir,
    stop: async () => {
      await twin.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
