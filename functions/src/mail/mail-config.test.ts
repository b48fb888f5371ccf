import { describe, expect, it } from 'vitest';
import { EnvironmentError } from '../environment.js';
import { mailerFromEnvironment, mailSettings } from './mail-config.js';
import { SesMailer } from './ses-mailer.js';
import { SmtpMailer } from './smtp-mailer.js';

const FROM = 'Evermall <orders@evermall.shop>';

describe('mail settings from the environment', () => {
  it('names the variable that is missing or wrong', () => {
    const refusal = (env: Record<string, string>) => {
      try {
        mailSettings(env);
      } catch (err) {
        expect(err).toBeInstanceOf(EnvironmentError);
        return (err as EnvironmentError).variable;
      }
      return 'accepted';
    };
    expect(refusal({ SMTP_URL: 'smtp://127.0.0.1:2525' })).toBe('MAIL_FROM');
    expect(refusal({ MAIL_FROM: 'not an address', SMTP_URL: 'smtp://127.0.0.1:2525' })).toBe('MAIL_FROM');
    expect(refusal({ MAIL_FROM: 'a@x.shop, b@x.shop', SMTP_URL: 'smtp://127.0.0.1:2525' })).toBe('MAIL_FROM');
    expect(refusal({ MAIL_FROM: FROM })).toBe('SMTP_URL');
    expect(refusal({ MAIL_FROM: FROM, SMTP_URL: 'http://127.0.0.1:2525' })).toBe('SMTP_URL');
    expect(refusal({ MAIL_FROM: FROM, SMTP_URL: 'localhost:25' })).toBe('SMTP_URL');
    expect(refusal({ MAIL_FROM: FROM, MAIL_TRANSPORT: 'ses', SMTP_URL: 'smtp://127.0.0.1:2525' })).toBe('SMTP_URL');
    expect(refusal({ MAIL_FROM: FROM, MAIL_TRANSPORT: 'sendgrid' })).toBe('MAIL_TRANSPORT');
    expect(() => mailSettings({ SMTP_URL: 'smtp://127.0.0.1:2525' })).toThrow(/^MAIL_FROM is required/);
  });

  it('builds the SMTP mailer for SMTP_URL and the SES one for MAIL_TRANSPORT=ses', async () => {
    expect(mailSettings({ MAIL_FROM: FROM, SMTP_URL: 'smtp://127.0.0.1:2525' })).toEqual({ transport: 'smtp', url: 'smtp://127.0.0.1:2525', from: FROM });
    expect(mailSettings({ MAIL_FROM: 'orders@evermall.shop', MAIL_TRANSPORT: 'ses', MAIL_SES_CONFIGURATION_SET: 'evermall-mail' })).toEqual({
      transport: 'ses',
      from: 'orders@evermall.shop',
      configurationSet: 'evermall-mail',
    });
    const smtp = mailerFromEnvironment({ MAIL_FROM: FROM, SMTP_URL: 'smtp://127.0.0.1:2525' });
    const ses = mailerFromEnvironment({ MAIL_FROM: FROM, MAIL_TRANSPORT: 'ses' });
    expect(smtp).toBeInstanceOf(SmtpMailer);
    expect(ses).toBeInstanceOf(SesMailer);
    await Promise.all([smtp.close(), ses.close()]);
  });
});
