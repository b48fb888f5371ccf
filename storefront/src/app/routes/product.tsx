import { useParams } from 'react-router';
import { useDocumentTitle } from '@/components/document-title';
import { QueryError } from '@/components/query-error';
import { AddToCart } from '@/features/cart/components/add-to-cart';
import { useProduct } from '@/features/catalog/api/get-product';
import { ProductDetails, ProductDetailsSkeleton } from '@/features/catalog/components/product-details';
import { BuyNowButton } from '@/features/checkout/components/buy-now-button';
import { useI18n } from '@/lib/i18n';

export function Component() {
  const { slug = '' } = useParams();
  const { pick } = useI18n();
  const product = useProduct(slug);
  useDocumentTitle(product.data ? pick(product.data) : undefined);
  return (
    <div className="page">
      {product.isPending ? (
        <ProductDetailsSkeleton />
      ) : product.isError ? (
        <QueryError error={product.error} onRetry={() => void product.refetch()} />
      ) : (
        <ProductDetails
          product={product.data}
          actions={
            <AddToCart
              key={product.data.id}
              productId={product.data.id}
              stock={product.data.stock}
              alongside={(quantity) => <BuyNowButton slug={product.data.slug} quantity={quantity} soldOut={product.data.stock <= 0} />}
            />
          }
        />
      )}
    </div>
  );
}
