import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { mailboxKeyOfFile } from '../mail/mailbox.js';

/** One message of the mailbox as the list shows it. */
export interface MailSummary {
  /** The file's name, which is the message's address in the status API. */
  id: string;
  from: string;
  to: string;
  subject: string;
  /** The Date header, ISO 8601; null when the message has none that reads as a date. */
  date: string | null;
  messageId: string | null;
}

/** One message opened: its headers and its text (made from its HTML when it has no text part). */
export interface MailText extends MailSummary {
  text: string;
}

export interface MailboxPage {
  dir: string;
  /** Messages in the folder; the page holds the newest `limit` of them. */
  total: number;
  messages: MailSummary[];
}

/**
 * The mail the twin's SMTP sink wrote into its folder (twin/src/mail/mailbox.ts names the files),
 * the one reader of that folder: for the status page, newest first and one message's text; for
 * the drills' reconciliation, how many copies of each message it holds. The page polls, and after
 * a flash sale the folder holds thousands of messages, so a poll lists the folder and parses only
 * the messages of the page it has not parsed before: the sink renames a message's file into place
 * whole, and never changes it after.
 */
export class Mailbox {
  /** The summaries of the last page listed, by file name. */
  private parsed = new Map<string, MailSummary>();

  constructor(readonly dir: string) {}

  async list(limit: number): Promise<MailboxPage> {
    // The sink's file names begin with the time it received the message, sortable.
    const names = (await this.messageFiles()).sort().reverse();
    const page = await Promise.all(
      names.slice(0, limit).map(async (name) => {
        const known = this.parsed.get(name);
        if (known) return known;
        const mail = await this.parse(name).catch(ifMissing(undefined));
        return mail && summary(name, mail);
      }),
    );
    const messages = page.filter((m) => m !== undefined);
    this.parsed = new Map(messages.map((m) => [m.id, m]));
    return { dir: this.dir, total: names.length, messages };
  }

  /** The message with this id, or undefined when there is none (or the id is not a message's file name). */
  async read(id: string): Promise<MailText | undefined> {
    if (!isMessageFile(id)) return undefined;
    const mail = await this.parse(id).catch(ifMissing(undefined));
    return mail && { ...summary(id, mail), text: mail.text ?? '' };
  }

  /**
   * How many copies of each message the folder holds, by Message-ID key (`mailboxKey`), from the
   * file names alone: a message sent twice is two files with one key.
   */
  async countByMessageId(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const name of await this.messageFiles()) {
      const key = mailboxKeyOfFile(name)!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  private async messageFiles(): Promise<string[]> {
    return (await readdir(this.dir).catch(ifMissing([] as string[]))).filter(isMessageFile);
  }

  private async parse(name: string): Promise<ParsedMail> {
    return simpleParser(await readFile(path.join(this.dir, name)), { skipImageLinks: true, skipTextToHtml: true });
  }
}

/** A message file of the sink's, and nothing that could name a file outside the folder (mailboxKeyOfFile refuses any path). */
function isMessageFile(name: string): boolean {
  return mailboxKeyOfFile(name) !== undefined;
}

function summary(name: string, mail: ParsedMail): MailSummary {
  return {
    id: name,
    from: addresses(mail.from),
    to: addresses(mail.to),
    subject: mail.subject ?? '',
    // A Date header mailparser could not read comes back as an invalid Date.
    date: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : null,
    messageId: mail.messageId ?? null,
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string {
  if (!field) return '';
  // As people read them (`김민지 <minji@example.com>`): mailparser's own `text` quotes every name.
  return (Array.isArray(field) ? field : [field])
    .flatMap((a) => a.value)
    .map((v) => (v.name ? `${v.name} <${v.address ?? ''}>` : (v.address ?? '')))
    .join(', ');
}

/** A folder not made yet (no mail sent) or a file removed between listing and reading (`twin reset`) reads as missing. */
function ifMissing<T>(value: T): (err: unknown) => T {
  return (err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return value;
    throw err;
  };
}
