-- Cart adds sent with an Idempotency-Key (cart/README.md). An add increments its line, so it
-- cannot simply be sent again: its key is recorded in the transaction that changes the line,
-- and a replay (the shop's own retry once a new primary takes writes, or the client's after a
-- lost answer) finds it and changes nothing. Keys are global, not per cart: a visitor whose first
-- add created their cart and lost the answer, cookie included, finds that cart again by the key.
CREATE TABLE cart_adds (
  idempotency_key  text PRIMARY KEY,
  cart_id          uuid NOT NULL REFERENCES carts(id) ON DELETE CASCADE,
  product_id       bigint NOT NULL,
  quantity         integer NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
-- Each add forgets its cart's keys past the replay window; the cascade from carts uses it too.
CREATE INDEX cart_adds_cart_idx ON cart_adds (cart_id, created_at);
