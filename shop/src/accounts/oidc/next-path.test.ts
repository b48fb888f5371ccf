import { describe, expect, it } from 'vitest';
import { safeNextPath } from './next-path.js';

describe('safeNextPath: where the callback sends the browser after signing in', () => {
  it.each(['/', '/checkout', '/products/sneakers-1?size=270#reviews', '/search?q=%EC%9A%B4%EB%8F%99%ED%99%94'])('follows the same-site path %j', (next) => {
    expect(safeNextPath(next)).toBe(next);
  });

  it.each([
    ['nothing', undefined],
    ['an empty value', ''],
    ['another site', 'https://evil.test/'],
    ['a protocol-relative URL', '//evil.test'],
    ['a tab between the slashes', '/\t/evil.test'],
    ['a newline between the slashes', '/\n/evil.test'],
    ['a NUL', '/\u0000/evil.test'],
    ['DEL', '/\u007f/evil.test'],
    ['a backslash after the slash', '/\\evil.test'],
    ['a relative path', 'checkout'],
    ['a javascript: URL', 'javascript:alert(1)'],
  ])('refuses %s and goes home', (_what, next) => {
    expect(safeNextPath(next)).toBe('/');
  });

  it('returns the path as the browser would read it', () => {
    expect(safeNextPath('/a/../checkout')).toBe('/checkout');
  });
});
