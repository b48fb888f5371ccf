import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Category } from '@/lib/api-types';

/** Categories flattened for a select, with sub-categories indented under their parent. */
export interface CategoryOption {
  id: number;
  label: string;
}

function flatten(tree: Category[], depth = 0): CategoryOption[] {
  return tree.flatMap((c) => [{ id: c.id, label: `${'— '.repeat(depth)}${c.name} / ${c.nameEn}` }, ...flatten(c.children, depth + 1)]);
}

export const getCategoryOptions = async (signal?: AbortSignal) => flatten((await api.get<{ items: Category[] }>('/categories', undefined, signal)).items);

export const categoryOptionsQueryOptions = () =>
  queryOptions({ queryKey: ['admin', 'category-options'], queryFn: ({ signal }) => getCategoryOptions(signal), staleTime: 5 * 60_000 });

export const useCategoryOptions = () => useQuery(categoryOptionsQueryOptions());
