/** An origin no real page has: `next` must resolve to a path on it to be followed. */
const SAME_ORIGIN = 'https://evermall.invalid';

/** C0 controls and DEL: the URL parser drops tab and newline (WHATWG URL §4.4), so `/\t/evil.test` would read as `//evil.test`. */
const hasControlCharacter = (text: string) => [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/**
 * Where the browser goes after signing in: `next` only when it is a path on this site, so the
 * callback's redirect cannot send anyone elsewhere; the home page otherwise. The same rule as the
 * storefront's `safeNext` (storefront/src/features/auth/components/safe-next.ts), which the shop
 * cannot import: not one leading `/`, `//host`, backslashes and control characters are refused,
 * and the path is returned as the URL parser reads it, so what is checked is what is followed.
 */
export function safeNextPath(next: string | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.includes('\\') || hasControlCharacter(next)) return '/';
  let url: URL;
  try {
    url = new URL(next, SAME_ORIGIN);
  } catch {
    return '/';
  }
  return url.origin === SAME_ORIGIN ? `${url.pathname}${url.search}${url.hash}` : '/';
}
