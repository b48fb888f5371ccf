import { createTransport, type Transporter } from 'nodemailer';
import type { MailMessage, Mailer } from './mailer.js';

/**
 * How long the SMTP conversation may stall before the send fails (nodemailer's defaults are
 * minutes: 2 to connect, 10 of silence). Well inside the consumer's function timeout, so a server
 * that stopped answering fails the record, which is retried, instead of the whole batch.
 */
export const SMTP_TIMEOUTS_MS = { connection: 5_000, greeting: 5_000, socket: 10_000 } as const;

/**
 * The Mailer over SMTP, through nodemailer: on the twin, into its local SMTP sink
 * (twin/src/mail/). One pool of connections, reused from send to send.
 */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  /** `url`: smtp://host:port or smtps://user:password@host:port (nodemailer's connection URL). */
  constructor(
    url: string,
    private readonly from: string,
  ) {
    this.transport = createTransport({
      url,
      pool: true,
      connectionTimeout: SMTP_TIMEOUTS_MS.connection,
      greetingTimeout: SMTP_TIMEOUTS_MS.greeting,
      socketTimeout: SMTP_TIMEOUTS_MS.socket,
    });
  }

  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      ...(message.html === undefined ? {} : { html: message.html }),
      // nodemailer writes it as the Message-ID header instead of making one up.
      messageId: message.messageId,
    });
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
