/** One message the shop sends a customer. */
export interface MailMessage {
  /**
   * The RFC 5322 Message-ID, angle brackets included. Deterministic (`orderMessageId`), so a
   * message sent again after a consumer died between sending and recording it is the same
   * message to whoever counts by Message-ID: a mail client, the twin's mailbox, the drills.
   */
  messageId: string;
  to: string;
  subject: string;
  text: string;
  html?: string | undefined;
}

/**
 * The port the order notifier sends mail through: SMTP through nodemailer on the twin
 * (`SmtpMailer`, into the twin's local SMTP sink), Amazon SES v2 on AWS (`SesMailer`).
 */
export interface Mailer {
  /** Resolves once the mail service has accepted the message for delivery; rejects otherwise, and nothing is recorded as sent. */
  send(message: MailMessage): Promise<void>;
  /** Closes pooled connections; sending after it is an error. */
  close(): Promise<void>;
}

/** Where the shop's Message-IDs live: the right-hand side of every `<…@evermall.shop>`. */
export const MESSAGE_ID_DOMAIN = 'evermall.shop';

/** The Message-ID of the one mail an order's event of `type` gets: `<order-12-order.placed@evermall.shop>`. */
export const orderMessageId = (orderId: number, type: string): string => `<order-${orderId}-${type}@${MESSAGE_ID_DOMAIN}>`;
