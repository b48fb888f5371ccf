import { useDocumentTitle } from '@/components/document-title';
import { CartView } from '@/features/cart/components/cart-view';
import { useI18n } from '@/lib/i18n';

export function Component() {
  const { t } = useI18n();
  useDocumentTitle(t('cart.title'));
  return (
    <div className="page narrow">
      <h1>{t('cart.title')}</h1>
      <CartView />
    </div>
  );
}
