-- The transactional outbox (events/README.md): each event is written by the statement, in the
-- transaction, that makes the change it announces, so an event exists if and only if its change
-- committed. The relay (events/outbox-relay.ts) publishes unpublished rows in id order and marks
-- them; the events of one order (or one product) are written by transactions that hold that row's
-- lock one after another, so their ids grow in the order the changes committed.
CREATE TABLE outbox (
  id            bigserial PRIMARY KEY,
  -- The order's id; the product's for stock.* events. The broker's ordering key.
  aggregate_id  bigint NOT NULL,
  type          text NOT NULL CHECK (type IN ('order.placed', 'order.paid', 'order.cancelled', 'order.shipped', 'stock.low')),
  payload       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz
);
-- What the relay reads: only the rows still to publish, however long the history grows.
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;
