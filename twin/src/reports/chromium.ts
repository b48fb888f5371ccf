import { chromium, type Browser } from 'playwright-core';

/** The machine's Chromium; a browser is never downloaded (shared rules). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Flags for headless Chromium as root in a container without a GPU or network. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Debian's Chromium headless, as the twin's reports and tests use it. */
export function launchChromium(timeoutMs?: number): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }) });
}
