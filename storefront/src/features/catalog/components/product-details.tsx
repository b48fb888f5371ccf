import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { ProductImage } from '@/components/product-image';
import { LoadingRegion, Skeleton } from '@/components/skeleton';
import { paths } from '@/config/paths';
import type { Product } from '@/lib/api-types';
import { useI18n } from '@/lib/i18n';
import { StockState } from './stock-state';

/** Images, name, price, stock state and description; `actions` is where the cart feature plugs in. */
export function ProductDetails({ product, actions }: { product: Product; actions: ReactNode }) {
  const { t, won, pick } = useI18n();
  const name = pick(product);
  const [shown, setShown] = useState(0);
  const picture = product.pictures[shown] ?? product.pictures[0];
  return (
    <article className="product-details">
      <div className="product-gallery">
        <ProductImage src={picture?.src} sources={picture?.sources} alt={name} sizes="(min-width: 800px) 480px, 100vw" eager noImageLabel={t('product.noImage')} />
        {product.pictures.length > 1 && (
          <ul className="thumbs">
            {product.pictures.map(({ src, sources }, i) => (
              <li key={src}>
                <button type="button" aria-pressed={i === shown} onClick={() => setShown(i)} aria-label={t('product.imageOf', { name, n: i + 1 })}>
                  <picture>
                    {sources.map((source) => (
                      <source key={source.type} type={source.type} srcSet={source.srcset} sizes="64px" />
                    ))}
                    <img src={src} alt="" width={64} height={64} loading="lazy" decoding="async" />
                  </picture>
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="product-info">
        <nav aria-label={t('nav.breadcrumb')} className="breadcrumb">
          <Link to={paths.home()}>{t('nav.home')}</Link> › <Link to={paths.category(product.category.slug)}>{pick(product.category)}</Link>
        </nav>
        <h1>{name}</h1>
        <p className="product-price">{won(product.priceWon)}</p>
        <p>
          <StockState stock={product.stock} />
        </p>
        {actions}
        <p className="product-description">{product.description}</p>
      </div>
    </article>
  );
}

export function ProductDetailsSkeleton() {
  const { t } = useI18n();
  return (
    <LoadingRegion label={t('loading')}>
      <div className="product-details" aria-hidden="true">
        <Skeleton className="skeleton-image" height="auto" />
        <div className="product-info">
          <Skeleton width="70%" height="2em" />
          <Skeleton width="30%" height="1.5em" />
          <Skeleton width="50%" />
          <Skeleton width="100%" height="3em" />
        </div>
      </div>
    </LoadingRegion>
  );
}
