import type { LedgerEntry, StandinPayment } from './payment-ledger.js';

/** Toss's merchant id for test keys (docs.tosspayments.com/reference/test-code). */
export const STANDIN_MID = 'tosspayments';

/** The API version the shapes follow (docs.tosspayments.com/reference#payment-객체, 2022-11-16). */
const API_VERSION = '2022-11-16';

/**
 * The Payment object of Toss's v1 API (docs.tosspayments.com/reference#payment-객체) for one
 * card payment. Fields the stand-in has no meaning for are null, as Toss sends them for a card
 * payment; `cancels` is null until the first cancel, as in Toss.
 */
export function tossPayment(entry: LedgerEntry): Record<string, unknown> {
  const canceled = entry.cancels.reduce((sum, c) => sum + c.cancelAmount, 0);
  const vat = Math.round(entry.totalAmount / 11);
  return {
    mId: STANDIN_MID,
    version: API_VERSION,
    paymentKey: entry.paymentKey,
    lastTransactionKey: entry.approveNo ? `txn_${entry.paymentKey}` : null,
    type: 'NORMAL',
    orderId: entry.orderId,
    orderName: entry.orderName,
    status: entry.status,
    requestedAt: entry.requestedAt,
    approvedAt: entry.approvedAt ?? null,
    currency: 'KRW',
    country: 'KR',
    method: '카드',
    totalAmount: entry.totalAmount,
    balanceAmount: entry.totalAmount - canceled,
    suppliedAmount: entry.totalAmount - vat,
    vat,
    taxFreeAmount: 0,
    taxExemptionAmount: 0,
    useEscrow: false,
    cultureExpense: false,
    isPartialCancelable: true,
    card: {
      amount: entry.totalAmount,
      number: entry.card,
      approveNo: entry.approveNo ?? '',
      installmentPlanMonths: 0,
      isInterestFree: false,
      cardType: '신용',
      ownerType: '개인',
      acquireStatus: entry.status === 'CANCELED' ? 'CANCELED' : 'READY',
      useCardPoint: false,
    },
    cancels:
      entry.cancels.length === 0
        ? null
        : entry.cancels.map((c, i) => ({
            cancelAmount: c.cancelAmount,
            cancelReason: c.cancelReason,
            canceledAt: c.canceledAt,
            taxFreeAmount: 0,
            taxExemptionAmount: 0,
            refundableAmount: 0,
            transactionKey: `cancel_${i}_${entry.paymentKey}`,
            cancelStatus: 'DONE',
          })),
    failure: entry.failure ?? null,
    virtualAccount: null,
    transfer: null,
    mobilePhone: null,
    giftCertificate: null,
    easyPay: null,
    cashReceipt: null,
    cashReceipts: null,
    discount: null,
    receipt: null,
    checkout: null,
  };
}

/** The public view (`payments()`, GET /__standin/payments): the entry without the ledger's own bookkeeping. */
export function standinPayment(entry: LedgerEntry): StandinPayment {
  const view: StandinPayment = {
    paymentKey: entry.paymentKey,
    orderId: entry.orderId,
    orderName: entry.orderName,
    totalAmount: entry.totalAmount,
    status: entry.status,
    card: entry.card,
    requestedAt: entry.requestedAt,
    cancels: entry.cancels.map((c) => ({ ...c })),
    confirmCalls: entry.confirmCalls,
  };
  if (entry.approvedAt) view.approvedAt = entry.approvedAt;
  return view;
}
