import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { QueryError } from '@/components/query-error';
import { LoadingRegion, Skeleton } from '@/components/skeleton';
import { TextField } from '@/components/text-field';
import { paths } from '@/config/paths';
import type { Order, PlaceOrderBody, ShippingAddress } from '@/lib/api-types';
import { describeError } from '@/lib/errors';
import { useI18n } from '@/lib/i18n';
import type { MessageKey } from '@/lib/messages';
import { usePaymentsConfig } from '../api/payments-config';
import { shortLinesOf, usePlaceOrder, useRefreshCart } from '../api/place-order';
import { checkoutAttemptForTab, fingerprintOf } from '../lib/checkout-attempt';
import { loadTossSdk, openPaymentWindow } from '../lib/toss';
import { validateShipping, type ShippingErrors, type ShippingField } from '../lib/validate-shipping';

const EMPTY: ShippingAddress = { name: '', phone: '', postalCode: '', address1: '', address2: '' };

const LABELS: Record<ShippingField, MessageKey> = {
  name: 'checkout.name',
  phone: 'checkout.phone',
  postalCode: 'checkout.postalCode',
  city: 'checkout.city',
  address1: 'checkout.address1',
  address2: 'checkout.address2',
  card: 'checkout.card',
};

/** One line of the order summary: a cart line, or the product bought now. */
export interface CheckoutLine {
  productId: number;
  name: string;
  unitPriceWon: number;
  quantity: number;
  lineTotalWon: number;
}

export interface CheckoutFormProps {
  lines: readonly CheckoutLine[];
  totalWon: number;
  /**
   * Set for "buy now": the lines are sent as `items`, so the shop orders exactly them and
   * leaves the cart alone, and a short line is fixed on the product page instead of the cart.
   */
  buyNow?: { productPath: string };
  /**
   * The order is placed (card flow), or it waits for its payment and Toss's window did not take
   * the shopper away (closed, or could not be opened): its page offers "Pay now".
   */
  onPlaced: (order: Order) => void;
}

/**
 * Shipping address, how the shop takes payment (GET /api/payments/config) and "Place order", for
 * the cart or for a buy now. The card flow (the test provider) carries a card number; the
 * redirect flow (Toss Payments) places the order waiting for its payment and opens Toss's window
 * with the answer's paymentRequest. The idempotency key comes from the checkout attempt: the same
 * for a retry, a double click or a reload; a new one after success or when the lines, address or
 * card changed.
 */
export function CheckoutForm({ lines, totalWon, buyNow, onPlaced }: CheckoutFormProps) {
  const { t, won } = useI18n();
  const attempt = useMemo(checkoutAttemptForTab, []);
  const place = usePlaceOrder();
  const payments = usePaymentsConfig();
  const refreshCart = useRefreshCart();
  const toss = payments.data?.provider === 'toss' ? payments.data : undefined;
  const inFlight = useRef(false);
  const [opening, setOpening] = useState(false);
  const [shipping, setShipping] = useState<ShippingAddress>(EMPTY);
  const [card, setCard] = useState('');
  const [errors, setErrors] = useState<ShippingErrors>({});

  // Fetched while the shopper types, so the window opens at once after "Place order".
  const sdkUrl = toss?.sdkUrl;
  useEffect(() => {
    if (sdkUrl) loadTossSdk(sdkUrl).catch(() => undefined);
  }, [sdkUrl]);

  const payAtToss = (order: Order) => {
    const request = order.paymentRequest;
    if (!request) return onPlaced(order);
    setOpening(true);
    // Resolves or rejects only if the window leaves the shopper here; the order's page offers "Pay now".
    const leave = () => {
      onPlaced(order);
      void refreshCart();
    };
    openPaymentWindow(request).then(leave, leave);
  };

  const message = (field: ShippingField): string | undefined => {
    const e = errors[field];
    if (!e) return undefined;
    if (e === 'required') return t('validation.required', { field: t(LABELS[field]) });
    return t(`validation.${e}`);
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    // A second click while the first request is out changes nothing: the button is disabled,
    // and even a request that slipped through carries the same key.
    if (inFlight.current || opening || !payments.data) return;
    const found = validateShipping(shipping, toss ? null : card);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      const first = Object.keys(found)[0];
      document.querySelector<HTMLInputElement>(`[name="${first}"]`)?.focus();
      return;
    }
    const ordered = lines.map((l) => ({ productId: l.productId, quantity: l.quantity }));
    const body: PlaceOrderBody = {
      ...(buyNow ? { items: ordered } : {}),
      shipping: { ...shipping, address2: shipping.address2?.trim() || undefined, city: shipping.city?.trim() || undefined },
      payment: toss ? { provider: 'toss' } : { card: card.replace(/[\s-]/g, '') },
    };
    const idempotencyKey = attempt.keyFor(fingerprintOf({ ...body, lines: ordered }));
    inFlight.current = true;
    place.mutate(
      { idempotencyKey, body },
      {
        onSuccess: ({ order }) => {
          // The order exists from here on, paid or waiting for its payment in Toss's window.
          attempt.succeeded();
          if (order.status === 'pending_payment') payAtToss(order);
          else onPlaced(order);
        },
        onError: (error) => attempt.endedBy(error),
        onSettled: () => {
          inFlight.current = false;
        },
      },
    );
  };

  const field = (name: keyof ShippingAddress, props: Record<string, string | boolean> = {}) => (
    <TextField
      label={t(LABELS[name])}
      name={name}
      value={shipping[name] ?? ''}
      error={message(name)}
      onChange={(e) => setShipping((s) => ({ ...s, [name]: e.target.value }))}
      {...props}
    />
  );

  const short = shortLinesOf(place.error);
  const nameOf = (productId?: number, name?: string) => name ?? lines.find((l) => l.productId === productId)?.name ?? `#${productId}`;

  return (
    <form className="form checkout-form" onSubmit={onSubmit} noValidate aria-describedby="checkout-status">
      <fieldset>
        <legend>{t('checkout.shipping')}</legend>
        {field('name', { autoComplete: 'name', required: true })}
        {field('phone', { autoComplete: 'tel', inputMode: 'tel', required: true, placeholder: '010-1234-5678' })}
        {field('postalCode', { autoComplete: 'postal-code', inputMode: 'numeric', required: true, maxLength: '5' })}
        {field('city', { autoComplete: 'address-level1' })}
        {field('address1', { autoComplete: 'address-line1', required: true })}
        {field('address2', { autoComplete: 'address-line2' })}
      </fieldset>
      <fieldset>
        <legend>{t('checkout.payment')}</legend>
        {payments.isPending ? (
          <LoadingRegion label={t('loading')}>
            <Skeleton height="3em" />
          </LoadingRegion>
        ) : payments.isError ? (
          <QueryError error={payments.error} onRetry={() => void payments.refetch()} />
        ) : toss ? (
          <p className="muted">{t('checkout.tossNote')}</p>
        ) : (
          <TextField
            label={t('checkout.card')}
            name="card"
            value={card}
            inputMode="numeric"
            autoComplete="cc-number"
            required
            error={message('card')}
            hint={t('checkout.cardHint')}
            onChange={(e) => setCard(e.target.value)}
          />
        )}
      </fieldset>
      <section className="checkout-summary" aria-labelledby="checkout-summary-title">
        <h2 id="checkout-summary-title">{t('checkout.summary')}</h2>
        {buyNow && <p className="muted">{t('checkout.buyNowNote')}</p>}
        <ul className="order-lines">
          {lines.map((l) => (
            <li key={l.productId}>
              <span>{l.name}</span>
              <span className="muted">{t('cart.lineTotal', { qty: l.quantity, price: won(l.unitPriceWon) })}</span>
              <span>{won(l.lineTotalWon)}</span>
            </li>
          ))}
        </ul>
        <p className="checkout-total">
          <span>{t('cart.total')}</span> <strong>{won(totalWon)}</strong>
        </p>
      </section>
      <div id="checkout-status" role="status" aria-live="polite">
        {place.isPending && place.failureCount > 0 && <p className="notice">{t('checkout.retrying')}</p>}
        {opening && <p className="notice">{t('payment.opening')}</p>}
      </div>
      {place.isError && (
        <div className="notice notice-error" role="alert">
          {short.length > 0 ? (
            <>
              <p>{t('checkout.short')}</p>
              <ul>
                {short.map((l, i) => (
                  <li key={l.productId ?? i}>{t('checkout.shortLine', { name: nameOf(l.productId, l.name), available: l.available ?? 0, requested: l.requested ?? '?' })}</li>
                ))}
              </ul>
              <p>{buyNow ? <Link to={buyNow.productPath}>{t('checkout.fixBuyNow')}</Link> : <Link to={paths.cart()}>{t('checkout.fixCart')}</Link>}</p>
            </>
          ) : (
            <p>{describeError(place.error, t)}</p>
          )}
        </div>
      )}
      <button type="submit" className="button button-large" disabled={place.isPending || opening || !payments.data || lines.length === 0}>
        {place.isPending ? t('checkout.placing') : opening ? t('payment.opening') : t('checkout.place')}
      </button>
    </form>
  );
}
