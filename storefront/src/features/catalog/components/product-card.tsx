import { Link } from 'react-router';
import { ProductImage } from '@/components/product-image';
import { paths } from '@/config/paths';
import type { Product } from '@/lib/api-types';
import { useI18n } from '@/lib/i18n';
import { StockState } from './stock-state';

export function ProductCard({ product, eager = false }: { product: Product; eager?: boolean }) {
  const { t, won, pick } = useI18n();
  const name = pick(product);
  return (
    <li className="product-card">
      <Link to={paths.product(product.slug)} className="product-card-link">
        <ProductImage
          src={product.images[0]}
          sources={product.pictures[0]?.sources}
          alt={name}
          sizes="(min-width: 1100px) 250px, (min-width: 700px) 30vw, 45vw"
          eager={eager}
          noImageLabel={t('product.noImage')}
        />
        <span className="product-card-name">{name}</span>
      </Link>
      <span className="product-card-price">{won(product.priceWon)}</span>
      <StockState stock={product.stock} />
    </li>
  );
}
