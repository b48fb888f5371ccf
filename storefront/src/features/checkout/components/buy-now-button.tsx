import { useNavigate } from 'react-router';
import { paths } from '@/config/paths';
import { useI18n } from '@/lib/i18n';

/**
 * "Buy now": straight to checkout for this product and quantity, past the cart. The checkout
 * sends a visitor to login first and back here, like the cart's checkout.
 */
export function BuyNowButton({ slug, quantity, soldOut }: { slug: string; quantity: number; soldOut: boolean }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  return (
    <button type="button" className="button button-secondary" disabled={soldOut} onClick={() => void navigate(paths.buyNow(slug, quantity))}>
      {t('product.buyNow')}
    </button>
  );
}
