-- A payment whose outcome the shop does not know yet: a charge sent for an order (a card
-- checkout from the moment its order is reserved, a provider confirm from just before it is
-- sent) until the answer is written back. A timeout, a 5xx or a crash in between leaves it
-- set, and the payment reconciler (payments/payment-reconciler.ts) asks the provider and
-- settles the order: placed, declined, or the charge refunded. NULL: nothing in flight.
ALTER TABLE orders ADD COLUMN payment_unsettled_since timestamptz;
-- The reconciler's scan: only the few orders whose payment is in doubt, oldest first.
CREATE INDEX orders_payment_unsettled_idx ON orders (payment_unsettled_since, id) WHERE payment_unsettled_since IS NOT NULL;

-- Whether the order was checked out from the cart (not a buy now): a declined payment gives
-- that cart back, also when the decline is learned later, by the reconciler or a provider confirm.
ALTER TABLE orders ADD COLUMN from_cart boolean NOT NULL DEFAULT false;
