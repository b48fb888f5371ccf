import { describe, expect, it } from 'vitest';
import { CookieJar } from './cookie-jar.js';

describe('CookieJar', () => {
  it('keeps each cookie once, by name, and sends them back as one header', () => {
    const jar = new CookieJar();
    jar.store(['evermall_session=abc; Path=/; HttpOnly', 'evermall_cart=xyz; Path=/; SameSite=Lax']);
    jar.store('evermall_session=def; Path=/; HttpOnly');
    expect(jar.header()).toBe('evermall_session=def; evermall_cart=xyz');
    expect(jar.size).toBe(2);
  });

  it('drops a cookie the server clears by empty value, Max-Age=0 or an Expires in the past', () => {
    const jar = new CookieJar('a=1; b=2; c=3; d=4');
    jar.store(['a=; Path=/', 'b=gone; Max-Age=0', 'c=gone; Expires=Thu, 01 Jan 1970 00:00:00 GMT', 'd=5; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT']);
    expect(jar.header()).toBe('d=5');
  });

  it('is empty until a response sets a cookie', () => {
    const jar = new CookieJar();
    jar.store(undefined);
    expect(jar.header()).toBeUndefined();
  });
});
