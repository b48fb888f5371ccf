import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Category } from '@/lib/api-types';

export async function getCategories(): Promise<Category[]> {
  return (await api.get<{ items: Category[] }>('/categories')).items;
}

export const categoriesQueryOptions = () => queryOptions({ queryKey: ['categories'], queryFn: getCategories, staleTime: 5 * 60_000 });

export const useCategories = () => useQuery(categoriesQueryOptions());

/** Finds a category anywhere in the tree. */
export function findCategory(tree: Category[], slug: string): Category | undefined {
  for (const c of tree) {
    if (c.slug === slug) return c;
    const inner = findCategory(c.children, slug);
    if (inner) return inner;
  }
  return undefined;
}
