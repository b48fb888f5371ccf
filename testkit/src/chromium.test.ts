import { describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';

describe('launchChromium', () => {
  it("opens a page in the machine's Chromium and closes", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.setContent('<title>kit</title><p id="p">2</p><script>document.getElementById("p").textContent = String(1 + 2)</script>');
      expect(await page.title()).toBe('kit');
      expect(await page.textContent('#p')).toBe('3');
    } finally {
      await browser.close();
    }
    expect(browser.isConnected()).toBe(false);
  }, 60_000);
});
