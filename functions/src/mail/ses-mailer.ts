import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { MailMessage, Mailer } from './mailer.js';

/**
 * SES replaces any Message-ID a sender gives with its own (SES Developer Guide, "Amazon SES
 * header fields"), so the shop's deterministic one travels in a header of its own, which the
 * recipient's client shows with the message, and as a message tag, which SES puts on every
 * sending event of a configuration set (delivery, bounce, complaint) for reconciling on AWS.
 */
export const MESSAGE_ID_HEADER = 'X-Evermall-Message-Id';
export const MESSAGE_ID_TAG = 'evermall-message-id';

/**
 * The Mailer on AWS: Amazon SES v2 `SendEmail` with simple content (SES builds the MIME), sent
 * with the function role's credentials (the SDK's default chain) in the function's region.
 */
export class SesMailer implements Mailer {
  constructor(
    private readonly ses: SESv2Client,
    private readonly from: string,
    /** The configuration set whose event destination records the sends; SES's default one when undefined. */
    private readonly configurationSet?: string | undefined,
  ) {}

  async send(message: MailMessage): Promise<void> {
    const utf8 = (data: string) => ({ Data: data, Charset: 'UTF-8' });
    await this.ses.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [message.to] },
        Content: {
          Simple: {
            Subject: utf8(message.subject),
            Body: { Text: utf8(message.text), ...(message.html === undefined ? {} : { Html: utf8(message.html) }) },
            Headers: [{ Name: MESSAGE_ID_HEADER, Value: message.messageId }],
          },
        },
        EmailTags: [{ Name: MESSAGE_ID_TAG, Value: messageTagValue(message.messageId) }],
        ...(this.configurationSet === undefined ? {} : { ConfigurationSetName: this.configurationSet }),
      }),
    );
  }

  async close(): Promise<void> {
    this.ses.destroy();
  }
}

/**
 * A Message-ID as a message tag value, which may hold only ASCII letters, digits, `_` and `-`,
 * at most 256 of them (SES API Reference, MessageTag): `<order-12-order.placed@evermall.shop>`
 * becomes `order-12-order_placed_evermall_shop`.
 */
export function messageTagValue(messageId: string): string {
  return messageId
    .replace(/^<|>$/g, '')
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 256);
}
