/**
 * The twin's mailbox: one `.eml` file per message the SMTP sink received (smtp-sink.ts), the
 * message exactly as sent, so any mail client opens it. A message sent twice (a consumer that died
 * between sending and recording it) is two files with one Message-ID: readers count messages by
 * Message-ID, as mail clients do, and the drills count the copies as duplicate deliveries.
 *
 * File names: `<received, UTC, sortable>-<n>.<Message-ID key>.eml`, so the Message-IDs can be
 * counted from a listing without reading a file. One reader reads the folder, for the status page
 * (the messages) and the drills (the copies by Message-ID): twin/src/status/mailbox.ts.
 */

/** A Message-ID as it appears in file names: without its angle brackets, anything but letters, digits and `._@+-` as `_`. */
export function mailboxKey(messageId: string | undefined): string {
  const bare = (messageId ?? '').replace(/^<|>$/g, '');
  return bare ? bare.replace(/[^A-Za-z0-9._@+-]/g, '_') : 'no-message-id';
}

export function mailFileName(receivedAt: Date, n: number, messageId: string | undefined): string {
  const stamp = receivedAt.toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${String(n).padStart(6, '0')}.${mailboxKey(messageId)}.eml`;
}

/**
 * A mailbox file's name, its key in `mailboxKey`'s alphabet: no `/`, so a name that passes can
 * only be a file in the folder itself, never a path out of it (`../`, `x/../../`).
 */
const MAIL_FILE = /^\d{8}T\d{9}Z-\d{6,}\.([A-Za-z0-9._@+-]+)\.eml$/;

/** The Message-ID key of a mailbox file name, or undefined for anything else in the folder and for any path. */
export function mailboxKeyOfFile(name: string): string | undefined {
  return MAIL_FILE.exec(name)?.[1];
}
