import { Readable } from 'node:stream';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { describe, expect, it } from 'vitest';
import { orderMessageId } from './mailer.js';
import { MESSAGE_ID_HEADER, MESSAGE_ID_TAG, SesMailer, messageTagValue } from './ses-mailer.js';

/** An HTTP request as the SDK hands it to its request handler: signed, serialized, about to be sent. */
interface SentRequest {
  method: string;
  hostname: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * No SES endpoint answers here, so the real SESv2Client runs with a request handler of our own in
 * place of its HTTP one: every request is serialized and signed as it would be for AWS, recorded,
 * and answered with `status` and `answer`, with no network.
 */
function sesClient(status = 200, answer: object = { MessageId: '0100018c-ses-message-id' }) {
  const sent: SentRequest[] = [];
  const client = new SESv2Client({
    region: 'ap-northeast-2',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-secret' },
    requestHandler: {
      handle: async (request: Omit<SentRequest, 'body'> & { body?: unknown }) => {
        const body = request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : typeof request.body === 'string' ? request.body : '';
        sent.push({ method: request.method, hostname: request.hostname, path: request.path, headers: request.headers, body });
        return { response: { statusCode: status, headers: { 'content-type': 'application/json' }, body: Readable.from([Buffer.from(JSON.stringify(answer))]) } };
      },
    },
  });
  return { client, sent };
}

describe('SesMailer: the SES v2 requests it sends', () => {
  it('sends SendEmail with simple UTF-8 content, the Message-ID in a header and a tag, through the configuration set', async () => {
    const { client, sent } = sesClient();
    const mailer = new SesMailer(client, 'Evermall <orders@evermall.shop>', 'evermall-mail');
    const messageId = orderMessageId(12, 'order.placed');
    await mailer.send({ messageId, to: 'kim@example.com', subject: '주문이 접수되었습니다', text: '감사합니다', html: '<p>감사합니다</p>' });

    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request).toMatchObject({ method: 'POST', hostname: 'email.ap-northeast-2.amazonaws.com', path: '/v2/email/outbound-emails' });
    expect(request!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/ap-northeast-2\/ses\/aws4_request/);
    expect(JSON.parse(request!.body)).toEqual({
      FromEmailAddress: 'Evermall <orders@evermall.shop>',
      Destination: { ToAddresses: ['kim@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: '주문이 접수되었습니다', Charset: 'UTF-8' },
          Body: { Text: { Data: '감사합니다', Charset: 'UTF-8' }, Html: { Data: '<p>감사합니다</p>', Charset: 'UTF-8' } },
          Headers: [{ Name: MESSAGE_ID_HEADER, Value: '<order-12-order.placed@evermall.shop>' }],
        },
      },
      EmailTags: [{ Name: MESSAGE_ID_TAG, Value: 'order-12-order_placed_evermall_shop' }],
      ConfigurationSetName: 'evermall-mail',
    });
  });

  it('leaves out the HTML part and the configuration set when there are none', async () => {
    const { client, sent } = sesClient();
    await new SesMailer(client, 'orders@evermall.shop').send({ messageId: '<m@evermall.shop>', to: 'lee@example.com', subject: 's', text: 't' });
    const body = JSON.parse(sent[0]!.body) as Record<string, unknown>;
    expect(body).not.toHaveProperty('ConfigurationSetName');
    expect((body.Content as { Simple: { Body: object } }).Simple.Body).toEqual({ Text: { Data: 't', Charset: 'UTF-8' } });
  });

  it('rejects when SES refuses the message, so the event is retried', async () => {
    const { client } = sesClient(400, { message: 'Email address is not verified.' });
    // SES names the error in the x-amzn-errortype header or the body's __type; the SDK turns the 400 into a thrown error.
    await expect(new SesMailer(client, 'orders@evermall.shop').send({ messageId: '<m@evermall.shop>', to: 'x@example.com', subject: 's', text: 't' })).rejects.toThrow(
      /not verified/,
    );
  });

  it('turns any Message-ID into a tag value SES accepts', () => {
    expect(messageTagValue('<order-7-order.cancelled@evermall.shop>')).toBe('order-7-order_cancelled_evermall_shop');
    expect(messageTagValue(`<${'x'.repeat(300)}@evermall.shop>`)).toHaveLength(256);
  });
});
