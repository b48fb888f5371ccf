import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { LoadingRegion, Skeleton } from '@/components/skeleton';
import { paths } from '@/config/paths';
import { ApiError } from '@/lib/api-client';
import type { ConfirmPaymentBody } from '@/lib/api-types';
import { describeError } from '@/lib/errors';
import { useI18n } from '@/lib/i18n';
import { confirmPaymentOnce, type ConfirmOutcome } from '../api/confirm-payment';
import { shopOrderIdOf } from '../lib/toss';

/** Answers after which the shopper orders again from the cart (the stock and a cart checkout's lines went back). */
const BACK_TO_CART = new Set(['PAYMENT_DECLINED', 'ORDER_EXPIRED', 'ORDER_CANCELLED']);

/**
 * Toss's success redirect, confirmed with the shop once (confirmPaymentOnce): the order page
 * when it is placed; otherwise the shop's coded answer with the way on, or, when the shop could
 * not reach Toss (503) or the answer was lost, that the payment is being checked: the shop
 * settles it with Toss by itself and the order page shows the outcome.
 */
export function PaymentConfirmation({ confirm }: { confirm: ConfirmPaymentBody }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [outcome, setOutcome] = useState<ConfirmOutcome | null>(null);
  const { paymentKey, orderId, amount } = confirm;

  useEffect(() => {
    let live = true;
    void confirmPaymentOnce({ paymentKey, orderId, amount })
      .catch((error: unknown): ConfirmOutcome => ({ kind: 'failed', error: new ApiError(0, 'UNKNOWN', String(error)) }))
      .then((settled) => {
        if (!live) return;
        setOutcome(settled);
        // A declined or released order gave its cart back; a placed one changed the order list.
        void queryClient.invalidateQueries({ queryKey: ['cart'] });
        void queryClient.invalidateQueries({ queryKey: ['orders'] });
        if (settled.kind === 'placed') void navigate(paths.order(settled.order.id, true), { replace: true });
      });
    return () => {
      live = false;
    };
  }, [paymentKey, orderId, amount, navigate, queryClient]);

  if (!outcome || outcome.kind === 'placed') {
    return (
      <>
        <h1>{t('payment.confirmingTitle')}</h1>
        <LoadingRegion label={t('payment.confirmingTitle')}>
          <Skeleton height="6em" />
        </LoadingRegion>
      </>
    );
  }

  const { error } = outcome;
  const details = error.details as { orderId?: unknown } | undefined;
  const shopOrderId = typeof details?.orderId === 'number' ? details.orderId : shopOrderIdOf(orderId);
  const orderLink = shopOrderId ? <Link to={paths.order(shopOrderId)}>{t('payment.toOrder')}</Link> : <Link to={paths.orders()}>{t('payment.toOrders')}</Link>;

  if (error.transient) {
    return (
      <>
        <h1>{t('payment.checkingTitle')}</h1>
        <div className="notice" role="status">
          <p>{t('payment.checking')}</p>
          <p>{orderLink}</p>
        </div>
      </>
    );
  }
  return (
    <>
      <h1>{t('payment.failedTitle')}</h1>
      <div className="notice notice-error" role="alert">
        <p>{describeError(error, t)}</p>
        <p>{BACK_TO_CART.has(error.code) ? <Link to={paths.cart()}>{t('payment.backToCart')}</Link> : orderLink}</p>
      </div>
    </>
  );
}
