import { connect, migrate, type Sql } from '@evermall/shop/db';
import { encodeEvent, orderingKeyOf, type ShopEvent } from '@evermall/shop/events';
import { PostgresServer } from '@evermall/testkit';
import type { SQSEvent } from 'aws-lambda';
import { sqsEvent, sqsRecord } from '../runner/sqs-event.js';

/** A throwaway PostgreSQL with the shop's schema, for the consumers' tests. */
export interface ShopDatabase {
  readonly url: string;
  readonly sql: Sql;
  close(): Promise<void>;
}

export async function startShopDatabase(): Promise<ShopDatabase> {
  const server = await PostgresServer.start({ fast: true });
  const url = server.url();
  const sql = connect(url, { max: 4, applicationName: 'functions-test' });
  await migrate(sql);
  return {
    url,
    sql,
    async close() {
      await sql.end({ timeout: 1 });
      await server.stop();
    },
  };
}

/** An SQS batch of these events (or raw bodies), as the FIFO queue's event source mapping delivers it. */
export function batchOf(queue: string, items: (ShopEvent | string)[], attempt = 1): SQSEvent {
  return sqsEvent(
    items.map((item) =>
      typeof item === 'string'
        ? sqsRecord(queue, { body: item, attempt })
        : sqsRecord(queue, { body: encodeEvent(item), attempt, groupId: orderingKeyOf(item), deduplicationId: String(item.id) }),
    ),
  );
}

/**
 * Holds an event's inbox row in an open transaction, as another delivery of the same event being
 * handled right now does; `release()` rolls that transaction back (the other delivery died).
 */
export async function holdInboxRow(sql: Sql, consumer: string, eventId: number): Promise<{ release(): Promise<void> }> {
  let rollBack!: () => void;
  const released = new Promise<void>((resolve) => (rollBack = resolve));
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const transaction = sql
    .begin(async (tx) => {
      await tx`INSERT INTO consumer_inbox (consumer, event_id) VALUES (${consumer}, ${eventId})`;
      holding();
      await released;
      throw new Error('the other delivery died');
    })
    .catch(() => undefined);
  await held;
  return {
    async release() {
      rollBack();
      await transaction;
    },
  };
}
