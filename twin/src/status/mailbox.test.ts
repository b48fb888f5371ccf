import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mailFileName } from '../mail/mailbox.js';
import { Mailbox } from './mailbox.js';
import { mailboxAnswer } from './mailbox-api.js';

/** A message as the SMTP sink stores it: CRLF lines, encoded words, a quoted-printable body. */
function eml(o: { to: string; subject: string; date?: string; messageId: string; body: string; html?: boolean }): string {
  const subject = `=?UTF-8?B?${Buffer.from(o.subject).toString('base64')}?=`;
  const body = Buffer.from(o.body)
    .toString('binary')
    .replace(/[\x80-\xff=]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return [
    'From: Evermall <orders@evermall.shop>',
    `To: ${o.to}`,
    `Subject: ${subject}`,
    ...(o.date ? [`Date: ${o.date}`] : []),
    `Message-ID: ${o.messageId}`,
    'MIME-Version: 1.0',
    `Content-Type: ${o.html ? 'text/html' : 'text/plain'}; charset=utf-8`,
    'Content-Transfer-Encoding: quoted-printable',
    '',
    body,
    '',
  ].join('\r\n');
}

describe("the status page's mailbox", () => {
  let dir: string;
  /** Writes a message under the name the sink gives it when it receives it at `receivedAt`. */
  const deliver = (receivedAt: string, n: number, message: Parameters<typeof eml>[0]) => {
    const name = mailFileName(new Date(receivedAt), n, message.messageId);
    writeFileSync(path.join(dir, name), eml(message));
    return name;
  };
  let placed41: string;
  let shipped41: string;
  let placed42: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evermall-mailbox-'));
    placed41 = deliver('2026-12-01T01:00:05Z', 1, {
      to: '김민지 <minji@example.com>',
      subject: '주문 #41이 접수되었습니다',
      date: 'Tue, 01 Dec 2026 10:00:00 +0900',
      messageId: '<order-41-order.placed@evermall.shop>',
      body: '운동화 2켤레를 주문하셨습니다.\n합계 ₩258,000',
    });
    placed42 = deliver('2026-12-01T03:00:00Z', 2, {
      to: 'jun@example.com',
      subject: '주문 #42가 접수되었습니다',
      messageId: '<order-42-order.placed@evermall.shop>',
      body: '양말 1켤레',
    });
    shipped41 = deliver('2026-12-01T06:30:02Z', 3, {
      to: 'minji@example.com',
      subject: '주문 #41을 보냈습니다',
      date: 'Tue, 01 Dec 2026 15:30:00 +0900',
      messageId: '<order-41-order.shipped@evermall.shop>',
      body: '<p>주문 #41이 <b>출발</b>했습니다.</p>',
      html: true,
    });
    // Not messages: the sink's file still being written, a note, a folder.
    writeFileSync(path.join(dir, `.${mailFileName(new Date('2026-12-02T00:00:00Z'), 4, '<x@y>')}.tmp`), 'From: x\r\n');
    writeFileSync(path.join(dir, 'README.txt'), 'not mail');
    mkdirSync(path.join(dir, 'archive'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the messages newest first with to, subject and date, and only as many as asked', async () => {
    const mailbox = new Mailbox(dir);
    const page = await mailbox.list(50);
    expect(page.total).toBe(3);
    expect(page.messages).toEqual([
      {
        id: shipped41,
        from: 'Evermall <orders@evermall.shop>',
        to: 'minji@example.com',
        subject: '주문 #41을 보냈습니다',
        date: '2026-12-01T06:30:00.000Z',
        messageId: '<order-41-order.shipped@evermall.shop>',
      },
      {
        id: placed42,
        from: 'Evermall <orders@evermall.shop>',
        to: 'jun@example.com',
        subject: '주문 #42가 접수되었습니다',
        date: null,
        messageId: '<order-42-order.placed@evermall.shop>',
      },
      expect.objectContaining({ id: placed41, to: '김민지 <minji@example.com>', date: '2026-12-01T01:00:00.000Z' }),
    ]);
    const first = await mailbox.list(1);
    expect(first.total).toBe(3);
    expect(first.messages.map((m) => m.id)).toEqual([shipped41]);
  });

  it("opens one message's text, made from the HTML when there is no text part", async () => {
    const mailbox = new Mailbox(dir);
    const placed = await mailbox.read(placed41);
    expect(placed).toMatchObject({ subject: '주문 #41이 접수되었습니다', messageId: '<order-41-order.placed@evermall.shop>' });
    expect(placed?.text.trim()).toBe('운동화 2켤레를 주문하셨습니다.\n합계 ₩258,000');
    const shipped = await mailbox.read(shipped41);
    expect(shipped?.text).toContain('주문 #41이 출발했습니다.');
    expect(shipped?.text).not.toContain('<b>');
  });

  it('follows the folder: a new message comes first, a removed one is gone', async () => {
    const mailbox = new Mailbox(dir);
    expect((await mailbox.list(50)).total).toBe(3);
    const placed43 = deliver('2026-12-01T07:00:00Z', 5, { to: 'seo@example.com', subject: '주문 #43', messageId: '<order-43-order.placed@evermall.shop>', body: 'x' });
    unlinkSync(path.join(dir, placed42));
    const page = await mailbox.list(50);
    expect(page.messages.map((m) => [m.id, m.subject])).toEqual([
      [placed43, '주문 #43'],
      [shipped41, '주문 #41을 보냈습니다'],
      [placed41, '주문 #41이 접수되었습니다'],
    ]);
    expect(await mailbox.read(placed42)).toBeUndefined();
  });

  it('is empty before the sink has written anything', async () => {
    const mailbox = new Mailbox(path.join(dir, 'not-yet'));
    expect(await mailbox.list(50)).toEqual({ dir: path.join(dir, 'not-yet'), total: 0, messages: [] });
  });

  it('answers the API: the list, one message, 404 for a name outside the folder or not a message, 400 for a bad limit', async () => {
    const mailbox = new Mailbox(dir);
    const outside = mailFileName(new Date('2026-12-01T00:00:00Z'), 9, '<secret@x>');
    writeFileSync(path.join(path.dirname(dir), outside), eml({ to: 'x@example.com', subject: 'outside', messageId: '<secret@x>', body: 'outside' }));
    const get = (p: string) => mailboxAnswer(mailbox, 'GET', new URL(p, 'http://127.0.0.1'));
    try {
      const list = await get('/api/mail?limit=2');
      expect(list?.status).toBe(200);
      expect((list?.body as { messages: { id: string }[] }).messages.map((m) => m.id)).toEqual([shipped41, placed42]);
      const one = await get(`/api/mail/${encodeURIComponent(placed41)}`);
      expect(one).toMatchObject({ status: 200, body: { id: placed41, to: '김민지 <minji@example.com>' } });

      const traversal = `${placed41.slice(0, placed41.indexOf('.') + 1)}x/../../${outside}`;
      for (const p of [
        `/api/mail/${encodeURIComponent(`../${outside}`)}`,
        `/api/mail/${encodeURIComponent(traversal)}`,
        '/api/mail/README.txt',
        '/api/mail/archive',
        '/api/mail/nope.eml',
      ]) {
        expect((await get(p))?.status, p).toBe(404);
      }
      for (const p of ['/api/mail?limit=0', '/api/mail?limit=501', '/api/mail?limit=ten', '/api/mail?limit=1.5', '/api/mail/%E0%A4%A']) {
        expect((await get(p))?.status, p).toBe(400);
      }
      expect(await mailboxAnswer(mailbox, 'POST', new URL('http://127.0.0.1/api/mail'))).toBeUndefined();
      expect(await get('/api/status')).toBeUndefined();
    } finally {
      rmSync(path.join(path.dirname(dir), outside));
    }
  });
});
