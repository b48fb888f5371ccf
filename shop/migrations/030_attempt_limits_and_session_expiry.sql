-- Login and registration attempts, counted in the database so every instance shares the count
-- (a fixed window per bucket). A bucket is a scope and a key, e.g. 'login-account' and an email,
-- or 'register-client' and an address. The expiry sweep deletes windows that have ended.
CREATE TABLE attempt_counters (
  scope             text NOT NULL,
  key               text NOT NULL,
  window_started_at timestamptz NOT NULL,
  attempts          integer NOT NULL CHECK (attempts > 0),
  PRIMARY KEY (scope, key)
);
CREATE INDEX attempt_counters_window_idx ON attempt_counters (window_started_at);

-- Idle expiry: a session unused for SESSION_IDLE_MINUTES no longer logs anyone in.
ALTER TABLE sessions ADD COLUMN last_seen_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX sessions_expiry_idx ON sessions (expires_at);
CREATE INDEX sessions_last_seen_idx ON sessions (last_seen_at);
-- The sweep finds anonymous carts whose cookie has expired by their age.
CREATE INDEX carts_anonymous_created_idx ON carts (created_at) WHERE user_id IS NULL;
