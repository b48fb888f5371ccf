import { describe, expect, inject, it } from 'vitest';
import postgres from 'postgres';
import { migrate } from './migrate.js';
import { connect } from './pools.js';

describe('migrations', () => {
  it('are safe when three instances start at once', async () => {
    const adminUrl = inject('pgAdminUrl');
    const name = `mig_${Date.now().toString(36)}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const instances = [1, 2, 3].map(() => connect(url.toString(), { max: 1 }));
    try {
      const results = await Promise.all(instances.map((sql) => migrate(sql)));
      const appliedCounts = results.map((r) => r.applied.length).sort();
      // Exactly one instance applied everything; the others found nothing to do.
      expect(appliedCounts.filter((n) => n > 0)).toHaveLength(1);
      const rows = await instances[0]!<{ name: string }[]>`SELECT name FROM schema_migrations`;
      expect(rows.length).toBe(Math.max(...appliedCounts));
      expect((await migrate(instances[0]!)).applied).toEqual([]);
    } finally {
      await Promise.all(instances.map((sql) => sql.end()));
      await admin.unsafe(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
