import { useState, type FormEvent } from 'react';
import { TextField } from '@/components/text-field';
import type { Product, ProductCreate } from '@/lib/api-types';
import { describeError } from '@/lib/errors';
import { useI18n } from '@/lib/i18n';
import { useCategoryOptions } from '../api/categories';
import { ImagePicker } from './image-picker';

export interface ProductFormValues {
  fields: ProductCreate;
  image: File | null;
}

const SLUG = /^[a-z0-9-]{1,120}$/;
const SKU = /^[A-Za-z0-9._-]{1,64}$/;

/** Create or edit a product. Stock is only entered at creation; later it changes through the stock controls, which record why. */
export function ProductForm({
  product,
  submitLabel,
  busy,
  error,
  onSubmit,
}: {
  product?: Product;
  submitLabel: string;
  busy: boolean;
  error: unknown;
  onSubmit: (values: ProductFormValues) => void;
}) {
  const { t } = useI18n();
  const categories = useCategoryOptions();
  const [image, setImage] = useState<File | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const d = new FormData(e.currentTarget);
    const s = (k: string) => String(d.get(k) ?? '').trim();
    const limit = s('maxPerCustomer');
    const fields: ProductCreate = {
      sku: s('sku'),
      slug: s('slug'),
      name: s('name'),
      nameEn: s('nameEn'),
      description: s('description'),
      priceWon: Number(s('priceWon')),
      categoryId: Number(s('categoryId')),
      // Empty: no limit. Sent on every save, so clearing the field lifts the limit.
      maxPerCustomer: limit === '' ? null : Number(limit),
      active: d.get('active') === 'on',
      ...(product ? {} : { stock: Number(s('stock') || '0') }),
    };
    const found: Record<string, string> = {};
    if (!SKU.test(fields.sku)) found.sku = t('validation.required', { field: t('admin.sku') });
    if (!SLUG.test(fields.slug)) found.slug = t('validation.required', { field: t('admin.slug') });
    if (!fields.name) found.name = t('validation.required', { field: t('admin.nameKo') });
    if (!Number.isInteger(fields.priceWon) || fields.priceWon < 0) found.priceWon = t('validation.required', { field: t('admin.price') });
    if (!fields.categoryId) found.categoryId = t('validation.required', { field: t('admin.category') });
    if (fields.stock !== undefined && (!Number.isInteger(fields.stock) || fields.stock < 0)) found.stock = t('validation.required', { field: t('admin.stock') });
    if (fields.maxPerCustomer != null && (!Number.isInteger(fields.maxPerCustomer) || fields.maxPerCustomer < 1)) {
      found.maxPerCustomer = t('validation.required', { field: t('admin.maxPerCustomer') });
    }
    setErrors(found);
    if (Object.keys(found).length === 0) onSubmit({ fields, image });
  };

  return (
    <form className="form admin-form" onSubmit={submit} noValidate>
      <div className="form-grid">
        <TextField label={t('admin.nameKo')} name="name" defaultValue={product?.name} required error={errors.name} />
        <TextField label={t('admin.nameEn')} name="nameEn" defaultValue={product?.nameEn} />
        <TextField label={t('admin.sku')} name="sku" defaultValue={product?.sku} required error={errors.sku} />
        <TextField label={t('admin.slug')} name="slug" defaultValue={product?.slug} required pattern="[a-z0-9-]+" error={errors.slug} />
        <TextField label={t('admin.price')} name="priceWon" type="number" min={0} inputMode="numeric" defaultValue={product?.priceWon} required error={errors.priceWon} />
        {!product && <TextField label={t('admin.stock')} name="stock" type="number" min={0} inputMode="numeric" defaultValue={0} error={errors.stock} />}
        <TextField
          label={t('admin.maxPerCustomer')}
          name="maxPerCustomer"
          type="number"
          min={1}
          inputMode="numeric"
          defaultValue={product?.maxPerCustomer ?? ''}
          hint={t('admin.maxPerCustomerHint')}
          error={errors.maxPerCustomer}
        />
        <div className="field">
          <label htmlFor="product-category">{t('admin.category')}</label>
          <select id="product-category" name="categoryId" defaultValue={product?.category.id ?? ''} required aria-invalid={errors.categoryId ? true : undefined}>
            <option value="" disabled>
              —
            </option>
            {categories.data?.map((c) => (
              <option key={c.id} value={c.id}>
                {c.label}
              </option>
            ))}
          </select>
          {errors.categoryId && <p className="field-error">{errors.categoryId}</p>}
        </div>
        <div className="field field-check">
          <input id="product-active" name="active" type="checkbox" defaultChecked={product?.active ?? true} />
          <label htmlFor="product-active">{t('admin.active')}</label>
        </div>
      </div>
      <div className="field">
        <label htmlFor="product-description">{t('admin.description')}</label>
        <textarea id="product-description" name="description" rows={4} defaultValue={product?.description} />
      </div>
      <ImagePicker file={image} onChange={setImage} />
      {error != null && (
        <p className="notice notice-error" role="alert">
          {describeError(error, t)}
        </p>
      )}
      <button type="submit" className="button button-large" disabled={busy}>
        {busy ? t('admin.saving') : submitLabel}
      </button>
    </form>
  );
}
