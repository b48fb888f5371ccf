-- When the static backup site was last exported, so that across the whole fleet it is
-- regenerated once per interval, by whichever instance takes the advisory lock first.
CREATE TABLE backup_site_exports (
  id           smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  exported_at  timestamptz NOT NULL,
  instance     text NOT NULL,
  version      text NOT NULL
);
