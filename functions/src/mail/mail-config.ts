import { SESv2Client } from '@aws-sdk/client-sesv2';
import addressparser from 'nodemailer/lib/addressparser';
import { EnvironmentError, optionalVariable, requiredVariable, type Environment } from '../environment.js';
import type { Mailer } from './mailer.js';
import { SesMailer } from './ses-mailer.js';
import { SmtpMailer } from './smtp-mailer.js';

/** Which transport the environment names, validated; what `mailerFromEnvironment` builds. */
export type MailSettings = { transport: 'smtp'; url: string; from: string } | { transport: 'ses'; from: string; configurationSet: string | undefined };

/**
 * The mail settings of a function, from its environment:
 * - `MAIL_FROM` (required): the sender, `orders@evermall.shop` or `Evermall <orders@evermall.shop>`;
 * - `SMTP_URL` (the twin): `smtp://host:port`, or smtps:// with credentials;
 * - or `MAIL_TRANSPORT=ses` (AWS): Amazon SES v2 in the function's region, with the optional
 *   `MAIL_SES_CONFIGURATION_SET` whose event destination records every send.
 * Exactly one transport: both, or neither, is an error that names the variable.
 */
export function mailSettings(env: Environment): MailSettings {
  const from = requiredVariable(env, 'MAIL_FROM', 'the sender address, such as "Evermall <orders@evermall.shop>"');
  const parsed = addressparser(from, { flatten: true });
  if (parsed.length !== 1 || !/^[^@\s]+@[^@\s]+$/.test(parsed[0]!.address))
    throw new EnvironmentError('MAIL_FROM', `must be one address, such as "Evermall <orders@evermall.shop>", not "${from}"`);

  const transport = optionalVariable(env, 'MAIL_TRANSPORT');
  const smtpUrl = optionalVariable(env, 'SMTP_URL');
  if (transport !== undefined && transport !== 'ses' && transport !== 'smtp') throw new EnvironmentError('MAIL_TRANSPORT', `must be "ses" or "smtp", not "${transport}"`);
  if (transport === 'ses') {
    if (smtpUrl !== undefined) throw new EnvironmentError('SMTP_URL', 'is set, but MAIL_TRANSPORT=ses sends through SES: set one of the two');
    return { transport: 'ses', from, configurationSet: optionalVariable(env, 'MAIL_SES_CONFIGURATION_SET') };
  }
  if (smtpUrl === undefined) throw new EnvironmentError('SMTP_URL', 'is required (smtp://host:port) unless MAIL_TRANSPORT=ses');
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw new EnvironmentError('SMTP_URL', 'is not a URL: use smtp://host:port or smtps://user:password@host:port');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new EnvironmentError('SMTP_URL', `must be smtp:// or smtps://, not ${url.protocol}//`);
  if (!url.hostname) throw new EnvironmentError('SMTP_URL', 'names no host');
  return { transport: 'smtp', url: smtpUrl, from };
}

/** The Mailer the environment names (`mailSettings`). */
export function mailerFromEnvironment(env: Environment): Mailer {
  const settings = mailSettings(env);
  if (settings.transport === 'smtp') return new SmtpMailer(settings.url, settings.from);
  return new SesMailer(new SESv2Client({}), settings.from, settings.configurationSet);
}
