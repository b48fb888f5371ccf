import { describe, expect, it } from 'vitest';
import { weakPasswordReason } from './password-strength.js';

describe('weakPasswordReason (NIST SP 800-63B §5.1.1.2 blocklist, by zxcvbn)', () => {
  it.each([
    ['12345678', 'common'],
    ['password', 'common'],
    ['Password1!', 'common'],
    ['qwertyuiop', 'common'],
    ['        ', 'blank'],
    ['\t \u00a0 \n  ', 'blank'],
    ['aaaaaaaaaa', 'repetitive'],
    ['evermall2024', 'personal'],
  ])('refuses %j as %s', async (password, reason) => {
    expect(await weakPasswordReason(password)).toBe(reason);
  });

  it('refuses a password made of the account’s own email or name', async () => {
    expect(await weakPasswordReason('jiwoo.kim@example.test', { email: 'jiwoo.kim@example.test' })).toBe('personal');
    expect(await weakPasswordReason('jiwookim1', { email: 'x@example.test', name: 'jiwookim' })).toBe('personal');
  });

  it.each(['correct horse', 'a long passphrase here', 'drill-shopper-password-1', '바다가 보이는 창가', 'Tr7#mQ2x'])('accepts %j', async (password) => {
    expect(await weakPasswordReason(password, { email: 'shopper@example.test', name: 'Test Shopper' })).toBeUndefined();
  });
});
