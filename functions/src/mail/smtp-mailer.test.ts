import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSmtpTestServer, type SmtpTestServer } from '../testing/smtp-test-server.js';
import { orderMessageId } from './mailer.js';
import { SmtpMailer } from './smtp-mailer.js';

describe('SmtpMailer against a real SMTP server', () => {
  let server: SmtpTestServer;
  let mailer: SmtpMailer;

  beforeEach(async () => {
    server = await startSmtpTestServer();
    mailer = new SmtpMailer(server.url, 'Evermall <orders@evermall.shop>');
  });
  afterEach(async () => {
    await mailer.close();
    await server.close();
  });

  it('delivers the message with our Message-ID, sender, recipient, subject, text and HTML', async () => {
    const messageId = orderMessageId(12, 'order.placed');
    await mailer.send({ messageId, to: 'kim@example.com', subject: '[Evermall] 주문이 접수되었습니다', text: '김민지님, 감사합니다.', html: '<p>김민지님, 감사합니다.</p>' });

    expect(server.received).toHaveLength(1);
    const [{ mail, recipients }] = server.received as [SmtpTestServer['received'][number]];
    expect(mail.messageId).toBe('<order-12-order.placed@evermall.shop>');
    expect(mail.from?.value).toEqual([{ address: 'orders@evermall.shop', name: 'Evermall' }]);
    expect(recipients).toEqual(['kim@example.com']);
    expect(mail.subject).toBe('[Evermall] 주문이 접수되었습니다');
    expect(mail.text?.trim()).toBe('김민지님, 감사합니다.');
    expect(mail.html).toContain('<p>김민지님, 감사합니다.</p>');
  });

  it('sends the same Message-ID again when asked: deduplicating is the caller’s business, counting by it the reader’s', async () => {
    const message = { messageId: orderMessageId(3, 'order.shipped'), to: 'lee@example.com', subject: 's', text: 't' };
    await mailer.send(message);
    await mailer.send(message);
    expect(server.received.map((r) => r.mail.messageId)).toEqual(['<order-3-order.shipped@evermall.shop>', '<order-3-order.shipped@evermall.shop>']);
  });

  it('rejects when the server refuses the message, so nothing is recorded as sent', async () => {
    server.refuseWith = 451;
    await expect(mailer.send({ messageId: orderMessageId(4, 'order.placed'), to: 'park@example.com', subject: 's', text: 't' })).rejects.toThrow(/451/);
    expect(server.received).toEqual([]);
  });
});
