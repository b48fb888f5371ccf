import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent, orderingKeyOf, topicMatches, typesOfQueue } from './event-bus.js';
import { eventOfStatus, type ShopEvent } from './outbox-events.js';

const placed: ShopEvent = { id: 41, type: 'order.placed', aggregateId: 12, payload: { orderId: 12 }, createdAt: '2026-11-30T12:00:00.000Z' };

describe('the EventBus port', () => {
  it('matches topics as AMQP does: * one word, # any number', () => {
    expect(topicMatches('order.*', 'order.placed')).toBe(true);
    expect(topicMatches('order.*', 'stock.low')).toBe(false);
    expect(topicMatches('#', 'stock.low')).toBe(true);
    expect(topicMatches('*.low', 'stock.low')).toBe(true);
    expect(topicMatches('order', 'order.placed')).toBe(false);
    expect(topicMatches('order.#', 'order.placed')).toBe(true);
    expect(typesOfQueue({ name: 'q', topics: ['stock.*', 'order.paid'], maxDeliveries: 1 })).toEqual(['order.paid', 'stock.low']);
  });

  it("keeps an order's events in its order's group and a product's in the product's", () => {
    expect(orderingKeyOf(placed)).toBe('order-12');
    expect(orderingKeyOf({ type: 'stock.low', aggregateId: 12 })).toBe('product-12');
  });

  it('reads back what it writes and refuses a body that is no shop event', () => {
    expect(decodeEvent(encodeEvent(placed))).toEqual(placed);
    expect(() => decodeEvent('{"id":1,"type":"order.exploded","aggregateId":1,"payload":{},"createdAt":"x"}')).toThrow(/not a shop event/);
    expect(() => decodeEvent('not json')).toThrow();
  });

  it('announces every way an order ends without shipping as order.cancelled, and nothing for a reservation', () => {
    expect((['cancelled', 'payment_declined', 'expired'] as const).map(eventOfStatus)).toEqual(['order.cancelled', 'order.cancelled', 'order.cancelled']);
    expect(eventOfStatus('pending_payment')).toBeUndefined();
    expect(eventOfStatus('shipped')).toBe('order.shipped');
  });
});
