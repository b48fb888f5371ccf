import { useState } from 'react';
import type { PaymentRequest } from '@/lib/api-types';
import { useI18n } from '@/lib/i18n';
import { isUserCancel, openPaymentWindow } from '../lib/toss';

/**
 * Opens Toss's payment window again for an order waiting for its payment ("Pay now", "Try
 * again"). Closing the window leaves the button as it was; a window that cannot be opened says so.
 */
export function PayButton({ request, label }: { request: PaymentRequest; label: string }) {
  const { t } = useI18n();
  const [state, setState] = useState<'idle' | 'opening' | 'failed'>('idle');
  const onClick = () => {
    setState('opening');
    openPaymentWindow(request).then(
      () => setState('idle'),
      (error: unknown) => setState(isUserCancel(error) ? 'idle' : 'failed'),
    );
  };
  return (
    <div className="pay-button">
      <button type="button" className="button button-large" onClick={onClick} disabled={state === 'opening'}>
        {state === 'opening' ? t('payment.opening') : label}
      </button>
      <div role="status" aria-live="polite">
        {state === 'failed' && <p className="notice notice-error">{t('payment.windowFailed')}</p>}
      </div>
    </div>
  );
}
