import { describe, expect, it } from 'vitest';
import { safeNext } from './safe-next';

describe('safeNext: where login sends the shopper next', () => {
  it.each(['/', '/checkout', '/products/sneakers-1?size=270#reviews', '/search?q=%EC%9A%B4%EB%8F%99%ED%99%94', '/c/shoes?page=2'])('follows the same-site path %j', (next) => {
    expect(safeNext(next)).toBe(next);
  });

  it.each([
    ['nothing', null],
    ['an empty value', ''],
    ['another site', 'https://evil.test/'],
    ['a protocol-relative URL', '//evil.test'],
    ['a tab between the slashes', '/\t/evil.test'],
    ['a newline between the slashes', '/\n/evil.test'],
    ['a carriage return', '/\r/evil.test'],
    ['a NUL', '/\u0000/evil.test'],
    ['DEL', '/\u007f/evil.test'],
    ['a backslash after the slash', '/\\evil.test'],
    ['a backslash later on', '/a\\..\\..\\evil.test'],
    ['a relative path', 'checkout'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a data: URL', 'data:text/html,hi'],
  ])('refuses %s and goes home', (_what, next) => {
    expect(safeNext(next)).toBe('/');
  });

  it('returns the path as the browser would read it', () => {
    expect(safeNext('/a/../checkout')).toBe('/checkout');
  });
});
