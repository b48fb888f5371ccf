import { paths } from '@/config/paths';

/** An origin no real page has: `next` must resolve to a path on it to be followed. */
const SAME_ORIGIN = 'https://evermall.invalid';

/** C0 controls and DEL: the URL parser drops tab and newline (WHATWG URL §4.4), so `/\t/evil.test` would read as `//evil.test`. */
const hasControlCharacter = (text: string) => [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/**
 * Where to go after login: `?next=` only when it is a path on this site, so it cannot send anyone
 * elsewhere. Refused, and the home page instead: anything not starting with one `/`, a
 * protocol-relative `//host`, backslashes (browsers read `/\host` as `//host`), control
 * characters, and whatever else resolves to another origin. The path is returned as the URL
 * parser reads it, so what is checked is what the router follows.
 */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.includes('\\') || hasControlCharacter(next)) return paths.home();
  let url: URL;
  try {
    url = new URL(next, SAME_ORIGIN);
  } catch {
    return paths.home();
  }
  return url.origin === SAME_ORIGIN ? `${url.pathname}${url.search}${url.hash}` : paths.home();
}
