-- Sign-in through the user pool, an OpenID Connect provider (accounts/oidc/README.md).

-- A customer created by signing in through the pool has no password. Widening: the running
-- release verifies a NULL hash as a wrong password (passwords.ts answers false when argon2 throws)
-- and refuses to change a password it cannot check.
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL; -- contract: only widens; the running release reads a NULL hash as a wrong password

-- Who a pool identity is in the shop: `subject` is the pool's `sub` for that user.
CREATE TABLE user_identities (
  issuer      text NOT NULL,
  subject     text NOT NULL,
  user_id     bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- The email the pool gave when the identity was linked, for support; the account's own is users.email.
  email       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (issuer, subject)
);
CREATE INDEX user_identities_user_idx ON user_identities (user_id);

-- A sign-in in flight, from /start to its callback: single use, bound to the browser that started
-- it by the hash of a random value in a short-lived cookie. The expiry sweep deletes dead ones.
CREATE TABLE oidc_attempts (
  state          text PRIMARY KEY,
  nonce          text NOT NULL,
  code_verifier  text NOT NULL,
  provider       text NOT NULL,
  next_path      text NOT NULL,
  browser_hash   bytea NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL
);
CREATE INDEX oidc_attempts_expires_idx ON oidc_attempts (expires_at);

-- A verified identity whose email belongs to a local account: linked only once the shopper gives
-- that account's password. The token is in the browser's URL; only its SHA-256 is stored.
CREATE TABLE oidc_pending_links (
  token_hash       bytea PRIMARY KEY,
  issuer           text NOT NULL,
  subject          text NOT NULL,
  provider         text NOT NULL,
  user_id          bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  email            text NOT NULL,
  staff_from_pool  boolean NOT NULL,
  next_path        text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  expires_at       timestamptz NOT NULL
);
CREATE INDEX oidc_pending_links_expires_idx ON oidc_pending_links (expires_at);

-- A session signed in with the pool's staff group claim (OIDC_STAFF_GROUP) is staff for its life,
-- whatever users.role says. The running release ignores the column: such a session is a customer there.
ALTER TABLE sessions ADD COLUMN staff_from_pool boolean NOT NULL DEFAULT false;
