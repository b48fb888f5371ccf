export { MESSAGE_ID_DOMAIN, orderMessageId, type MailMessage, type Mailer } from './mailer.js';
export { SmtpMailer, SMTP_TIMEOUTS_MS } from './smtp-mailer.js';
export { SesMailer, MESSAGE_ID_HEADER, MESSAGE_ID_TAG, messageTagValue } from './ses-mailer.js';
export { mailerFromEnvironment, mailSettings, type MailSettings } from './mail-config.js';
