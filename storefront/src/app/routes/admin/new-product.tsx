import { useNavigate } from 'react-router';
import { useDocumentTitle } from '@/components/document-title';
import { paths } from '@/config/paths';
import { useCreateProduct, useUploadImage } from '@/features/admin/api/products';
import { ProductForm } from '@/features/admin/components/product-form';
import { useI18n } from '@/lib/i18n';

export function Component() {
  const { t } = useI18n();
  useDocumentTitle(t('admin.newProduct'));
  const navigate = useNavigate();
  const create = useCreateProduct();
  const upload = useUploadImage();
  return (
    <>
      <h1>{t('admin.newProduct')}</h1>
      <ProductForm
        submitLabel={t('admin.create')}
        busy={create.isPending || upload.isPending}
        error={create.error ?? upload.error}
        onSubmit={async ({ fields, image }) => {
          const product = await create.mutateAsync(fields).catch(() => null);
          if (!product) return;
          if (image && !(await upload.mutateAsync({ id: product.id, file: image }).catch(() => null))) {
            // The product exists; the image can be retried from its edit page.
            void navigate(paths.adminProduct(product.id), { replace: true });
            return;
          }
          void navigate(paths.adminProduct(product.id), { replace: true });
        }}
      />
    </>
  );
}
