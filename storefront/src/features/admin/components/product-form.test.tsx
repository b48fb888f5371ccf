// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import type { Product } from '@/lib/api-types';
import { json, renderWithProviders } from '@/testing/render';
import { ProductForm, type ProductFormValues } from './product-form';

const product: Product = {
  id: 3,
  sku: 'EM-3',
  slug: 'drop-sneaker',
  name: '한정판 운동화',
  nameEn: 'Drop sneakers',
  description: '',
  priceWon: 129000,
  stock: 40,
  maxPerCustomer: 2,
  active: true,
  images: [],
  pictures: [],
  category: { id: 1, slug: 'shoes', name: '신발', nameEn: 'Shoes' },
  createdAt: '2026-11-26T00:00:00.000Z',
  updatedAt: '2026-11-26T00:00:00.000Z',
};

describe('the staff product form', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  function renderForm() {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json(200, { items: [{ id: 1, slug: 'shoes', name: '신발', nameEn: 'Shoes', children: [] }] })),
    );
    const onSubmit = vi.fn<(values: ProductFormValues) => void>();
    renderWithProviders(<ProductForm product={product} submitLabel="저장" busy={false} error={null} onSubmit={onSubmit} />);
    return onSubmit;
  }
  const limitField = () => screen.getByLabelText('1인 구매 한도') as HTMLInputElement;

  it('shows the limit per customer, saves a new one, and an empty field lifts it', async () => {
    const onSubmit = renderForm();
    await waitFor(() => expect(screen.getByRole('option', { name: '신발 / Shoes' })).toBeDefined());
    expect(limitField().value).toBe('2');
    fireEvent.change(screen.getByLabelText('카테고리'), { target: { value: '1' } });

    fireEvent.change(limitField(), { target: { value: '1' } });
    fireEvent.click(screen.getByRole('button', { name: '저장' }));
    expect(onSubmit).toHaveBeenLastCalledWith(expect.objectContaining({ fields: expect.objectContaining({ maxPerCustomer: 1 }) }));

    fireEvent.change(limitField(), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: '저장' }));
    expect(onSubmit).toHaveBeenLastCalledWith(expect.objectContaining({ fields: expect.objectContaining({ maxPerCustomer: null }) }));
  });

  it('refuses a limit of 0 before sending anything', async () => {
    const onSubmit = renderForm();
    await waitFor(() => expect(screen.getByRole('option', { name: '신발 / Shoes' })).toBeDefined());
    fireEvent.change(screen.getByLabelText('카테고리'), { target: { value: '1' } });
    fireEvent.change(limitField(), { target: { value: '0' } });
    fireEvent.click(screen.getByRole('button', { name: '저장' }));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(limitField().getAttribute('aria-invalid')).toBe('true');
  });
});
