import { config } from '@/config/env';
import { QueryError } from '@/components/query-error';
import { useI18n } from '@/lib/i18n';
import { useProducts } from '../api/get-products';
import { ProductGrid, ProductGridSkeleton } from './product-grid';

export function FeaturedProducts() {
  const { t } = useI18n();
  const products = useProducts({ sort: 'newest', limit: config.featuredCount });
  if (products.isPending) return <ProductGridSkeleton count={config.featuredCount} />;
  if (products.isError) return <QueryError error={products.error} onRetry={() => void products.refetch()} />;
  return <ProductGrid products={products.data.items} label={t('home.featured')} />;
}
