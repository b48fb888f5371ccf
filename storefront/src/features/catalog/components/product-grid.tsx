import { LoadingRegion, Skeleton } from '@/components/skeleton';
import type { Product } from '@/lib/api-types';
import { useI18n } from '@/lib/i18n';
import { ProductCard } from './product-card';

export function ProductGrid({ products, label }: { products: Product[]; label: string }) {
  return (
    <ul className="product-grid" aria-label={label}>
      {products.map((p, i) => (
        <ProductCard key={p.id} product={p} eager={i < 4} />
      ))}
    </ul>
  );
}

export function ProductGridSkeleton({ count = 8 }: { count?: number }) {
  const { t } = useI18n();
  return (
    <LoadingRegion label={t('loading')}>
      <ul className="product-grid" aria-hidden="true">
        {Array.from({ length: count }, (_, i) => (
          <li key={i} className="product-card">
            <Skeleton className="skeleton-image" height="auto" />
            <Skeleton width="80%" />
            <Skeleton width="40%" />
          </li>
        ))}
      </ul>
    </LoadingRegion>
  );
}
