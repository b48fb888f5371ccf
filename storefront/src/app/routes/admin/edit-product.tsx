import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useDocumentTitle } from '@/components/document-title';
import { ProductImage } from '@/components/product-image';
import { QueryError } from '@/components/query-error';
import { LoadingRegion, Skeleton } from '@/components/skeleton';
import { paths } from '@/config/paths';
import { useAdminProduct, useUpdateProduct, useUploadImage } from '@/features/admin/api/products';
import { ProductForm } from '@/features/admin/components/product-form';
import { StockControls } from '@/features/admin/components/stock-controls';
import { useI18n } from '@/lib/i18n';

export function Component() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const product = useAdminProduct(Number(id));
  const update = useUpdateProduct();
  const upload = useUploadImage();
  const [saved, setSaved] = useState(false);
  useDocumentTitle(product.data ? t('admin.editProduct', { name: product.data.name }) : undefined);
  if (product.isPending) {
    return (
      <LoadingRegion label={t('loading')}>
        <Skeleton height="2em" width="50%" />
        <Skeleton height="20em" />
      </LoadingRegion>
    );
  }
  if (product.isError) return <QueryError error={product.error} onRetry={() => void product.refetch()} />;
  const p = product.data;
  return (
    <>
      <h1>{t('admin.editProduct', { name: p.name })}</h1>
      <p>
        <Link to={paths.product(p.slug)}>{paths.product(p.slug)}</Link>
      </p>
      {p.pictures.length > 0 && (
        <ul className="admin-images">
          {p.pictures.map(({ src, sources }, i) => (
            <li key={src}>
              <ProductImage src={src} sources={sources} alt={t('product.imageOf', { name: p.name, n: i + 1 })} sizes="120px" noImageLabel={t('product.noImage')} />
            </li>
          ))}
        </ul>
      )}
      <StockControls key={`${p.id}-${p.stock}`} product={p} />
      <h2>{t('admin.edit')}</h2>
      <div role="status" aria-live="polite">
        {saved && <p className="notice notice-ok">{t('admin.saved')}</p>}
      </div>
      <ProductForm
        key={p.updatedAt}
        product={p}
        submitLabel={t('admin.save')}
        busy={update.isPending || upload.isPending}
        error={update.error ?? upload.error}
        onSubmit={async ({ fields, image }) => {
          setSaved(false);
          // Stock changes go through the stock controls, which record them.
          const body = { ...fields, stock: undefined };
          const ok = await update.mutateAsync({ id: p.id, body }).catch(() => null);
          if (ok && image) await upload.mutateAsync({ id: p.id, file: image }).catch(() => null);
          if (ok) setSaved(true);
        }}
      />
    </>
  );
}
