import type { PaymentRequest } from '@/lib/api-types';
import { formatDate } from '@/lib/format';
import { useI18n } from '@/lib/i18n';
import { PayButton } from './pay-button';

/** An order waiting for its Toss payment: how long its items stay reserved, and "Pay now". */
export function PendingPayment({ request }: { request: PaymentRequest }) {
  const { t, locale } = useI18n();
  return (
    <section className="notice pending-payment" aria-labelledby="pending-payment-title">
      <h2 id="pending-payment-title">{t('status.pending_payment')}</h2>
      <p>{t('payment.reservedUntil', { time: formatDate(request.expiresAt, locale) })}</p>
      <PayButton request={request} label={t('payment.payNow')} />
    </section>
  );
}
