-- Evermall schema. Money is an integer number of won. Stock can never go negative (CHECK),
-- which backs up the conditional UPDATE in checkout.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE categories (
  id          bigserial PRIMARY KEY,
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{1,80}$'),
  name        text NOT NULL,
  name_en     text NOT NULL,
  parent_id   bigint REFERENCES categories(id) ON DELETE RESTRICT,
  position    integer NOT NULL DEFAULT 0
);
CREATE INDEX categories_parent_idx ON categories (parent_id);

CREATE TABLE products (
  id           bigserial PRIMARY KEY,
  sku          text NOT NULL UNIQUE,
  slug         text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{1,120}$'),
  name         text NOT NULL,
  name_en      text NOT NULL DEFAULT '',
  description  text NOT NULL DEFAULT '',
  price_won    integer NOT NULL CHECK (price_won >= 0),
  category_id  bigint NOT NULL REFERENCES categories(id) ON DELETE RESTRICT,
  images       text[] NOT NULL DEFAULT '{}',
  active       boolean NOT NULL DEFAULT true,
  stock        integer NOT NULL DEFAULT 0 CHECK (stock >= 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  -- 'simple' keeps Korean words whole; pg_trgm below catches partial words in either language.
  search       tsvector GENERATED ALWAYS AS (
                 to_tsvector('simple', name || ' ' || name_en || ' ' || description)) STORED
);
CREATE INDEX products_category_idx ON products (category_id) WHERE active;
CREATE INDEX products_created_idx ON products (created_at DESC, id DESC) WHERE active;
CREATE INDEX products_price_idx ON products (price_won, id) WHERE active;
CREATE INDEX products_name_idx ON products (name, id) WHERE active;
CREATE INDEX products_search_idx ON products USING gin (search);
CREATE INDEX products_trgm_idx ON products USING gin ((name || ' ' || name_en || ' ' || description) gin_trgm_ops);

CREATE TABLE users (
  id             bigserial PRIMARY KEY,
  email          text NOT NULL,
  name           text NOT NULL,
  password_hash  text NOT NULL,
  role           text NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'admin')),
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_idx ON users (lower(email));

-- The cookie carries a random token; only its SHA-256 is stored, so a DB read leaks no sessions.
CREATE TABLE sessions (
  token_hash  bytea PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE carts (
  id          uuid PRIMARY KEY,
  user_id     bigint UNIQUE REFERENCES users(id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cart_items (
  cart_id     uuid NOT NULL REFERENCES carts(id) ON DELETE CASCADE,
  product_id  bigint NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  quantity    integer NOT NULL CHECK (quantity > 0),
  added_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (cart_id, product_id)
);

CREATE TABLE orders (
  id               bigserial PRIMARY KEY,
  user_id          bigint NOT NULL REFERENCES users(id),
  status           text NOT NULL DEFAULT 'placed'
                     CHECK (status IN ('pending_payment', 'placed', 'paid', 'shipped', 'cancelled', 'payment_declined')),
  total_won        integer NOT NULL CHECK (total_won >= 0),
  shipping         jsonb NOT NULL,
  payment_ref      text,
  idempotency_key  text NOT NULL,
  request_hash     text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  -- One order per key per user, enforced by the database whatever the application does.
  UNIQUE (user_id, idempotency_key)
);
CREATE INDEX orders_user_idx ON orders (user_id, created_at DESC);
CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC);

CREATE TABLE order_lines (
  order_id    bigint NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  product_id  bigint NOT NULL REFERENCES products(id),
  sku         text NOT NULL,
  name        text NOT NULL,
  unit_price_won integer NOT NULL CHECK (unit_price_won >= 0),
  quantity    integer NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (order_id, product_id)
);

CREATE TABLE stock_adjustments (
  id          bigserial PRIMARY KEY,
  product_id  bigint NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  delta       integer NOT NULL,
  reason      text NOT NULL,
  user_id     bigint REFERENCES users(id),
  created_at  timestamptz NOT NULL DEFAULT now()
);
