-- The event consumers (functions/src/consumers, issue 16): the order notifier and the sales feed
-- receive the outbox's events at least once, from SQS on AWS and RabbitMQ on the twin.
--
-- Each consumer records the events it has handled here, in the transaction of the effect (the
-- sales feed's rows; the notifier's record of a mail sent), so a redelivered event finds its row
-- and changes nothing. The primary key is the check: a second delivery handled at the same moment
-- waits on the first one's uncommitted row, then finds it.
CREATE TABLE consumer_inbox (
  consumer    text NOT NULL,
  -- The outbox row's id (ShopEvent.id).
  event_id    bigint NOT NULL,
  handled_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);

-- The sales feed's small analytics store, read by the staff sales charts (GET /api/admin/sales).
-- A schema of its own: the consumers' login may write here and nowhere in the shop's tables
-- (db/roles.ts). No foreign keys to products or orders: the feed's writes never take locks on
-- the rows the checkout's hot path updates.
CREATE SCHEMA analytics;

-- Per calendar day (Asia/Seoul) of the order's placement, per product: `order.placed` adds its
-- lines, `order.cancelled` of an order the feed counted takes them off that same day again.
CREATE TABLE analytics.daily_sales (
  day          date NOT NULL,
  product_id   bigint NOT NULL,
  -- The product's category when it first sold that day: moving a product does not rewrite history.
  category_id  bigint NOT NULL,
  units        integer NOT NULL CHECK (units >= 0),
  revenue_won  bigint NOT NULL CHECK (revenue_won >= 0),
  -- Orders with this product that day.
  orders       integer NOT NULL CHECK (orders >= 0),
  PRIMARY KEY (day, product_id)
);
CREATE INDEX daily_sales_category_idx ON analytics.daily_sales (day, category_id);

-- Which orders the feed counted, and on which day. The cancellation payload does not say whether
-- the order was ever placed (an unpaid order is cancelled too), and deliveries of one order's
-- events may arrive out of order on the twin: a cancellation subtracts only what a placement of
-- this order added, and a placement that arrives after its cancellation adds nothing.
CREATE TABLE analytics.order_sales (
  order_id   bigint PRIMARY KEY,
  -- The day its lines were added to; null while only its cancellation has been seen.
  day        date,
  placed     boolean NOT NULL DEFAULT false,
  cancelled  boolean NOT NULL DEFAULT false
);

-- Every `stock.low` announcement: a product fell to the reorder threshold (`lowUnits`) or below.
CREATE TABLE analytics.stock_low (
  event_id    bigint PRIMARY KEY,
  product_id  bigint NOT NULL,
  sku         text NOT NULL,
  stock       integer NOT NULL,
  low_units   integer NOT NULL,
  at          timestamptz NOT NULL
);
CREATE INDEX stock_low_at_idx ON analytics.stock_low (at DESC, product_id);
