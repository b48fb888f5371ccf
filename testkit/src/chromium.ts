import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { systemPaths } from './system-paths.js';

/**
 * Flags for headless Chromium as root in a container without a GPU or network: no sandbox (it
 * needs user namespaces a container rarely grants), no QUIC, and none of the background fetches
 * a first run starts. https://peter.sh/experiments/chromium-command-line-switches/
 */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Launches the machine's Chromium (CHROMIUM_PATH) headless through playwright-core; a browser is
 * never downloaded. playwright-core gives it a fresh, temporary user data dir and removes it on
 * close. playwright-core loads only here, so importing the kit for anything else stays cheap.
 */
export async function launchChromium(timeoutMs?: number): Promise<Browser> {
  const executablePath = systemPaths.chromium;
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium is not at ${executablePath}. Install it with: node scripts/ensure-system.mjs --for test (or apt-get install -y chromium)`);
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }) });
}
