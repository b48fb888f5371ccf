/**
 * One client's cookies for one origin, as a browser keeps them: each Set-Cookie line replaces the
 * cookie of its name, and a line that expires it (empty value, Max-Age ≤ 0, or an Expires in the
 * past; Max-Age wins over Expires, RFC 6265 §5.3 step 3) removes it. Path and Domain are not
 * kept: every user of the jar talks to one origin under `/`.
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Starts from a `cookie` request header's value (`a=1; b=2`), or empty. */
  constructor(header = '') {
    for (const pair of header.split(';')) {
      const [name, value] = splitPair(pair);
      if (name) this.cookies.set(name, value);
    }
  }

  /** Takes a response's Set-Cookie header lines. */
  store(setCookie: string | readonly string[] | undefined): void {
    if (setCookie === undefined) return;
    for (const line of typeof setCookie === 'string' ? [setCookie] : setCookie) {
      const [first = '', ...attributes] = line.split(';');
      const [name, value] = splitPair(first);
      if (!name) continue;
      if (value === '' || expires(attributes)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** The `cookie` request header to send, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get size(): number {
    return this.cookies.size;
  }
}

function splitPair(pair: string): [name: string, value: string] {
  const eq = pair.indexOf('=');
  if (eq < 0) return ['', ''];
  return [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
}

function expires(attributes: string[]): boolean {
  let maxAge: number | undefined;
  let expiresAt: number | undefined;
  for (const attribute of attributes) {
    const [name, value] = splitPair(attribute);
    if (name.toLowerCase() === 'max-age') maxAge = Number(value);
    else if (name.toLowerCase() === 'expires') expiresAt = Date.parse(value);
  }
  if (maxAge !== undefined && !Number.isNaN(maxAge)) return maxAge <= 0;
  return expiresAt !== undefined && expiresAt <= Date.now();
}
