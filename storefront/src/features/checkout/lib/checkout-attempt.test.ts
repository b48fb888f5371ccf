import { describe, expect, it } from 'vitest';
import { CheckoutAttempt, fingerprintOf, type KeyStorage } from './checkout-attempt';

function memoryStorage(): KeyStorage {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}

function counter() {
  let n = 0;
  return () => `key-${++n}`;
}

const order = (lines: [number, number][], card = '4242424242424242') =>
  fingerprintOf({ lines: lines.map(([productId, quantity]) => ({ productId, quantity })), shipping: { name: '김민지', postalCode: '04524' }, card });

describe('the idempotency key of a checkout attempt', () => {
  it('stays the same for a retry and for a double click of the same order', () => {
    const attempt = new CheckoutAttempt(memoryStorage(), counter());
    const first = attempt.keyFor(order([[1, 2]]));
    const doubleClick = attempt.keyFor(order([[1, 2]]));
    const retryAfterNetworkError = attempt.keyFor(order([[1, 2]]));
    expect(first).toBe('key-1');
    expect(doubleClick).toBe(first);
    expect(retryAfterNetworkError).toBe(first);
  });

  it('survives a reload of the page (a new attempt object on the same tab storage)', () => {
    const storage = memoryStorage();
    const before = new CheckoutAttempt(storage, counter()).keyFor(order([[1, 2]]));
    const after = new CheckoutAttempt(storage, () => 'other').keyFor(order([[1, 2]]));
    expect(after).toBe(before);
  });

  it('is replaced after the order succeeded', () => {
    const attempt = new CheckoutAttempt(memoryStorage(), counter());
    const first = attempt.keyFor(order([[1, 2]]));
    attempt.succeeded();
    const next = attempt.keyFor(order([[1, 2]]));
    expect(next).not.toBe(first);
  });

  it('is replaced when the cart changes, and the line order does not count as a change', () => {
    const attempt = new CheckoutAttempt(memoryStorage(), counter());
    const first = attempt.keyFor(
      order([
        [1, 2],
        [7, 1],
      ]),
    );
    expect(
      attempt.keyFor(
        order([
          [7, 1],
          [1, 2],
        ]),
      ),
    ).toBe(first);
    const changed = attempt.keyFor(
      order([
        [1, 3],
        [7, 1],
      ]),
    );
    expect(changed).not.toBe(first);
    expect(
      attempt.keyFor(
        order([
          [1, 3],
          [7, 1],
        ]),
      ),
    ).toBe(changed);
  });

  it('is replaced when the card changes (after a decline the shopper tries another card)', () => {
    const attempt = new CheckoutAttempt(memoryStorage(), counter());
    const declined = attempt.keyFor(order([[1, 2]], '4000000000000002'));
    expect(attempt.keyFor(order([[1, 2]], '4242424242424242'))).not.toBe(declined);
  });

  it('starts afresh when the stored attempt is unreadable', () => {
    const storage = memoryStorage();
    storage.setItem('evermall.checkout-attempt', '{not json');
    expect(new CheckoutAttempt(storage, counter()).keyFor(order([[1, 1]]))).toBe('key-1');
  });
});
