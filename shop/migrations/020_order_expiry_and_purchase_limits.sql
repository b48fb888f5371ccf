-- An order left pending_payment past PENDING_PAYMENT_EXPIRY_MINUTES becomes 'expired' and its
-- stock goes back (orders/order-expiry.ts). 'expired' is final, like 'payment_declined'.
-- The status check is dropped and re-added with one more value in one transaction: a widening, so
-- releases that predate 'expired' never write it and keep working.
ALTER TABLE orders DROP CONSTRAINT orders_status_check; -- contract: widened in place (see above)
ALTER TABLE orders ADD CONSTRAINT orders_status_check
  CHECK (status IN ('pending_payment', 'placed', 'paid', 'shipped', 'cancelled', 'payment_declined', 'expired'));
-- The sweep's scan: only the few orders still waiting for their payment, oldest first.
CREATE INDEX orders_pending_payment_idx ON orders (created_at, id) WHERE status = 'pending_payment';

-- Units of a product one customer may buy over all their orders that hold stock (a flash-sale
-- item: 2). NULL: no limit. Checked by the checkout batch (checkout/allocation.ts).
ALTER TABLE products ADD COLUMN max_per_customer integer CHECK (max_per_customer > 0);
