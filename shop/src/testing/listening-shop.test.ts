import { describe, expect, it } from 'vitest';
import { startListeningShop } from './listening-shop.js';

describe('startListeningShop', () => {
  it('serves the prepared catalog over HTTP, and is gone after stop', async () => {
    const shop = await startListeningShop({
      prepare: async (sql) => {
        await sql`INSERT INTO categories (slug, name, name_en) VALUES ('shoes', '신발', 'Shoes')`;
        await sql`
          INSERT INTO products (sku, slug, name, name_en, price_won, category_id, stock)
          VALUES ('SKU-1', 'runner-1', '운동화', 'Runner', 59000, (SELECT id FROM categories WHERE slug = 'shoes'), 3)`;
      },
    });
    try {
      const res = await fetch(`${shop.baseUrl}/api/products/runner-1`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ slug: 'runner-1', name: '운동화' });
    } finally {
      await shop.stop();
    }
    await expect(fetch(`${shop.baseUrl}/healthz`)).rejects.toThrow();
  });
});
