import { launchChromium } from '@evermall/testkit';

const RENDER_TIMEOUT_MS = 30_000;

/** Renders a self-contained HTML report to a full-page PNG, once its chart says it is drawn. */
export async function renderPng(html: string, pngPath: string, width: number): Promise<void> {
  const browser = await launchChromium(RENDER_TIMEOUT_MS);
  try {
    const page = await browser.newPage({ viewport: { width: width + 80, height: 800 }, deviceScaleFactor: 1 });
    await page.setContent(html, { waitUntil: 'load', timeout: RENDER_TIMEOUT_MS });
    await page.waitForFunction('window.__chartReady === true', undefined, { timeout: RENDER_TIMEOUT_MS });
    await page.screenshot({ path: pngPath, fullPage: true });
  } finally {
    await browser.close();
  }
}
