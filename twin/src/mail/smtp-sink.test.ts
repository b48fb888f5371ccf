import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SmtpMailer } from '@evermall/functions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { Mailbox } from '../status/mailbox.js';
import { mailboxKey, mailboxKeyOfFile, mailFileName } from './mailbox.js';
import { SmtpSink } from './smtp-sink.js';

describe('the twin’s SMTP sink and mailbox', () => {
  let dir: string;
  let sink: SmtpSink;
  let mailer: SmtpMailer;

  beforeEach(async () => {
    dir = path.join(mkdtempSync(path.join(tmpdir(), 'evermall-mail-')), 'mail');
    sink = new SmtpSink({ port: 0, dir });
    await sink.start();
    mailer = new SmtpMailer(sink.url, 'Evermall <orders@evermall.shop>');
  });
  afterEach(async () => {
    await mailer.close();
    await sink.stop();
    rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('writes every message it accepts as an .eml file, copies included, and counts them by Message-ID', async () => {
    const confirmation = {
      messageId: '<order-7-order.placed@evermall.shop>',
      to: 'kim@example.com',
      subject: '[Evermall] 주문이 접수되었습니다',
      text: '감사합니다',
      html: '<p>감사합니다</p>',
    };
    await mailer.send(confirmation);
    await mailer.send({ messageId: '<order-7-order.shipped@evermall.shop>', to: 'kim@example.com', subject: '발송', text: '발송되었습니다' });
    // The same message again, as after a consumer died between sending and recording it.
    await mailer.send(confirmation);

    const files = readdirSync(dir);
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(3);
    expect(files.some((f) => f.startsWith('.'))).toBe(false);
    expect(await new Mailbox(dir).countByMessageId()).toEqual(
      new Map([
        [mailboxKey('<order-7-order.placed@evermall.shop>'), 2],
        [mailboxKey('<order-7-order.shipped@evermall.shop>'), 1],
      ]),
    );
    const raw = readFileSync(
      path.join(
        dir,
        files.find((f) => f.includes('order.shipped'))!,
      ),
      'utf8',
    );
    expect(raw).toMatch(/^Message-ID: <order-7-order\.shipped@evermall\.shop>\r?$/im);

    // The file is the message as sent: any mail client (and mailparser) reads it whole.
    const copy = await simpleParser(
      readFileSync(
        path.join(
          dir,
          files.find((f) => f.includes('order.placed'))!,
        ),
      ),
    );
    expect(copy).toMatchObject({
      messageId: '<order-7-order.placed@evermall.shop>',
      subject: '[Evermall] 주문이 접수되었습니다',
      html: expect.stringContaining('<p>감사합니다</p>'),
    });
    expect(copy.from?.value).toEqual([{ address: 'orders@evermall.shop', name: 'Evermall' }]);
  });

  it('names messages without a usable Message-ID so they are still counted', () => {
    expect(mailboxKey(undefined)).toBe('no-message-id');
    expect(mailboxKey('<a b/c@x>')).toBe('a_b_c@x');
  });

  it('reads a key only from a file name of the folder, never from a path', () => {
    const name = mailFileName(new Date('2026-12-01T00:00:00Z'), 1, '<order-7-order.placed@evermall.shop>');
    expect(mailboxKeyOfFile(name)).toBe('order-7-order.placed@evermall.shop');
    const stamp = name.slice(0, name.indexOf('.') + 1);
    for (const candidate of [`${stamp}x/../../secret.eml`, `${stamp}../outside.eml`, `../${name}`, `${stamp}a/b.eml`, `${stamp}a\\b.eml`]) {
      expect(mailboxKeyOfFile(candidate), candidate).toBeUndefined();
    }
  });
});
