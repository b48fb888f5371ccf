import { describe, expect, it } from 'vitest';
import { escapeHtml, pageLinks } from './pages.js';

describe('backup site pages', () => {
  it('links the first, the last and the pages around the current one', () => {
    expect(pageLinks(1, 1)).toEqual([1]);
    expect(pageLinks(1, 100)).toEqual([1, 2, 3, 4, 5, 100]);
    expect(pageLinks(50, 100)).toEqual([1, 46, 47, 48, 49, 50, 51, 52, 53, 54, 100]);
    expect(pageLinks(100, 100)).toEqual([1, 96, 97, 98, 99, 100]);
  });

  it('escapes everything that could open a tag or an attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;');
  });
});
