import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findUnflaggedContractSteps } from './migration-check.js';
import { MIGRATIONS_DIR } from './migrate.js';

describe('expand-only migrations', () => {
  it('every migration in shop/migrations is expand-only or flags its contract steps with a reason', () => {
    const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql'));
    expect(files.length).toBeGreaterThan(0);
    const findings = files.flatMap((f) => findUnflaggedContractSteps(f, readFileSync(path.join(MIGRATIONS_DIR, f), 'utf8')));
    expect(findings.map((f) => `${f.file}:${f.line} ${f.what}: ${f.statement}`)).toEqual([]);
  });
});

describe('the contract-step checker', () => {
  const check = (sql: string) => findUnflaggedContractSteps('sample.sql', sql).map((f) => f.line);

  it('passes what only adds', () => {
    expect(
      check(
        [
          '-- Products get a subtitle.',
          'CREATE TABLE wishlists (id bigserial PRIMARY KEY, customer_id bigint NOT NULL);',
          'ALTER TABLE products ADD COLUMN subtitle text;',
          'ALTER TABLE products ADD COLUMN rank integer NOT NULL DEFAULT 0;',
          'CREATE INDEX products_rank_idx ON products (rank);',
          "COMMENT ON COLUMN products.subtitle IS 'do not DROP or RENAME this';",
          '-- We will DROP the old column in a later release.',
          'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$',
          'BEGIN',
          '  DROP TABLE IF EXISTS scratch;',
          '  RETURN NEW;',
          'END;',
          '$$;',
        ].join('\n'),
      ),
    ).toEqual([]);
  });

  it('refuses DROP, RENAME, a type change, SET NOT NULL and a NOT NULL column without a default, each at its line', () => {
    expect(
      check(
        [
          '-- header without a marker',
          'ALTER TABLE orders DROP COLUMN legacy_total;',
          'ALTER TABLE products RENAME COLUMN name TO title;',
          'ALTER TABLE products',
          '  ALTER COLUMN price_cents TYPE bigint;',
          'ALTER TABLE products ALTER COLUMN sku SET NOT NULL;',
          'ALTER TABLE products ADD COLUMN weight_grams integer NOT NULL;',
          'DROP INDEX products_rank_idx;',
        ].join('\n'),
      ),
    ).toEqual([2, 3, 4, 6, 7, 8]);
  });

  it('accepts a contract step flagged on its own line, or a whole file flagged in its header, but not a marker without a reason', () => {
    expect(check('ALTER TABLE orders DROP COLUMN legacy_total; -- contract: unused since release 12\nALTER TABLE a RENAME TO b;')).toEqual([2]);
    expect(check('-- contract: the rename ships after every instance runs release 14\n\nALTER TABLE a RENAME TO b;\nDROP TABLE c;')).toEqual([]);
    expect(check('-- contract:\nALTER TABLE a RENAME TO b;')).toEqual([2]);
  });
});
