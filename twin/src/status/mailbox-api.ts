import type { Mailbox } from './mailbox.js';

/** How many messages the list answers when not told, and at most: a page, not the folder. */
export const MAILBOX_LIST = { defaultLimit: 50, maxLimit: 500 } as const;

export interface MailboxAnswer {
  status: number;
  body: unknown;
}

/**
 * The status server's mailbox routes: `GET /api/mail?limit=N` (newest first) and
 * `GET /api/mail/:id` (one message with its text). Undefined for any other request.
 */
export async function mailboxAnswer(mailbox: Mailbox, method: string | undefined, url: URL): Promise<MailboxAnswer | undefined> {
  if (method !== 'GET') return undefined;
  if (url.pathname === '/api/mail') {
    const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : MAILBOX_LIST.defaultLimit;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAILBOX_LIST.maxLimit) {
      return { status: 400, body: { ok: false, message: `limit must be a whole number from 1 to ${MAILBOX_LIST.maxLimit}` } };
    }
    return { status: 200, body: await mailbox.list(limit) };
  }
  const one = /^\/api\/mail\/([^/]+)$/.exec(url.pathname);
  if (!one?.[1]) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(one[1]);
  } catch {
    return { status: 400, body: { ok: false, message: 'the message id is not valid percent-encoding' } };
  }
  const message = await mailbox.read(id);
  return message ? { status: 200, body: message } : { status: 404, body: { ok: false, message: `no message ${id} in the mailbox` } };
}
