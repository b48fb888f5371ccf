import { randomBytes, randomInt } from 'node:crypto';

/**
 * Card numbers whose payments misbehave the way a real gateway can. Any other number of 12–19
 * digits approves.
 */
export const TOSS_STANDIN_CARDS = {
  approve: '4242424242424242',
  /** Authorizes, then the confirm is rejected: 403 REJECT_CARD_PAYMENT, status ABORTED. */
  decline: '4000000000000002',
  /** The first confirm is processed (DONE, money taken) but its response is held back `slowResponseMs`. */
  timeout: '4000000000000119',
  /** The first confirm answers 500 FAILED_INTERNAL_SYSTEM_PROCESSING without processing; the next one succeeds. */
  serverError: '4000000000000127',
} as const;

export type StandinPaymentStatus = 'IN_PROGRESS' | 'DONE' | 'CANCELED' | 'ABORTED';

export interface StandinCancel {
  cancelReason: string;
  canceledAt: string;
  cancelAmount: number;
}

/** One payment as the stand-in holds it; times are ISO 8601 in KST (+09:00), as Toss writes them. */
export interface StandinPayment {
  paymentKey: string;
  orderId: string;
  orderName: string;
  totalAmount: number;
  status: StandinPaymentStatus;
  /** Masked the way Toss masks `card.number`. */
  card: string;
  requestedAt: string;
  approvedAt?: string;
  cancels: StandinCancel[];
  /** Confirm requests that reached this payment (idempotent replays excluded), for tests counting duplicates. */
  confirmCalls: number;
}

/** A fault injected into the next confirms of IN_PROGRESS payments (`setFaults`). */
export type ConfirmFault = 'timeout' | 'error';

type CardBehaviour = keyof typeof TOSS_STANDIN_CARDS;

/** What the ledger keeps beyond the public view: needed to replay card behaviour after a restart. */
export interface LedgerEntry extends StandinPayment {
  behaviour: CardBehaviour;
  /** Set by the first confirm that reached IN_PROGRESS: the card's own fault applies to that one only. */
  cardFaultSpent: boolean;
  approveNo?: string;
  failure?: { code: string; message: string };
}

/** Toss's own wording for each code the stand-in answers (docs.tosspayments.com/reference/error-codes). */
const MESSAGES = {
  UNAUTHORIZED_KEY: '인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.',
  INVALID_REQUEST: '잘못된 요청입니다.',
  NOT_FOUND_PAYMENT_SESSION: '결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.',
  NOT_FOUND_PAYMENT: '존재하지 않는 결제 정보 입니다.',
  ALREADY_PROCESSED_PAYMENT: '이미 처리된 결제 입니다.',
  DUPLICATED_ORDER_ID: '이미 승인 및 취소가 진행된 중복된 주문번호 입니다. 다른 주문번호로 진행해주세요.',
  REJECT_CARD_PAYMENT: '한도초과 혹은 잔액부족으로 결제에 실패했습니다.',
  FAILED_INTERNAL_SYSTEM_PROCESSING: '내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요.',
  ALREADY_CANCELED_PAYMENT: '이미 취소된 결제 입니다.',
  NOT_CANCELABLE_PAYMENT: '취소 할 수 없는 결제 입니다.',
  IDEMPOTENT_REQUEST_PROCESSING: '이전 멱등 요청이 처리중 입니다. 잠시 후 다시 시도해주세요.',
  INVALID_CARD_NUMBER: '카드번호를 다시 확인해주세요.',
  PAY_PROCESS_CANCELED: '사용자에 의해 결제가 취소되었습니다.',
  NOT_FOUND: '존재하지 않는 경로입니다.',
} as const;

export type TossErrorCode = keyof typeof MESSAGES;

/** An expected refusal, answered as Toss answers it: `status` with `{ code, message }`. */
export class TossStandinError extends Error {
  constructor(
    readonly status: number,
    readonly code: TossErrorCode,
    detail?: string,
  ) {
    super(detail ? `${MESSAGES[code]} (${detail})` : MESSAGES[code]);
    this.name = 'TossStandinError';
  }

  toBody(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Toss's limits on the order fields (docs.tosspayments.com/reference#결제-승인: orderId 6–64 of [A-Za-z0-9_-], orderName ≤ 100). */
const ORDER_ID = /^[A-Za-z0-9_-]{6,64}$/;
const ORDER_NAME_MAX = 100;
const CANCEL_REASON_MAX = 200;

export interface OrderFields {
  orderId: string;
  amount: number;
  orderName: string;
}

/** Why an order cannot be paid as given, or undefined when it can. */
export function orderProblem({ orderId, amount, orderName }: OrderFields): string | undefined {
  if (!ORDER_ID.test(orderId)) return 'orderId must be 6–64 characters of A–Z, a–z, 0–9, _ and -';
  if (!Number.isSafeInteger(amount) || amount <= 0) return 'amount must be a positive whole number of won';
  if (orderName.trim() === '' || orderName.length > ORDER_NAME_MAX) return `orderName must be 1–${ORDER_NAME_MAX} characters`;
  return undefined;
}

/** The card's digits when it looks like a card number (12–19 digits; spaces and dashes allowed), else undefined. */
export function cardDigits(card: string): string | undefined {
  const digits = card.replace(/[\s-]/g, '');
  return /^[0-9]{12,19}$/.test(digits) ? digits : undefined;
}

/** Toss shows the first eight digits and the last three but one: `42424242****424*`. */
function maskCard(digits: string): string {
  return [...digits].map((d, i) => ((i >= 8 && i < 12) || i === digits.length - 1 ? '*' : d)).join('');
}

function behaviourOf(digits: string): CardBehaviour {
  const match = Object.entries(TOSS_STANDIN_CARDS).find(([, number]) => number === digits);
  return match ? (match[0] as CardBehaviour) : 'approve';
}

const KST_OFFSET_MS = 9 * 60 * 60 * 1000;

/** Now as Toss writes times: `2024-02-13T12:17:57+09:00`. */
export function kstNow(): string {
  return new Date(Date.now() + KST_OFFSET_MS).toISOString().slice(0, 19) + '+09:00';
}

export type ConfirmOutcome = { hold: boolean } & ({ ok: true; entry: LedgerEntry } | { ok: false; error: TossStandinError });

/**
 * The stand-in's payments and the Toss rules that move them: authorize (the payment window),
 * confirm, cancel. Every change is handed to `record` (the journal) before the caller answers.
 */
export class PaymentLedger {
  private readonly byKey = new Map<string, LedgerEntry>();

  constructor(private readonly record: (entry: LedgerEntry) => void = () => {}) {}

  /** Puts back an entry read from the journal; a later line for the same key replaces the earlier. */
  restore(entry: LedgerEntry): void {
    this.byKey.set(entry.paymentKey, entry);
  }

  all(): LedgerEntry[] {
    return [...this.byKey.values()];
  }

  byPaymentKey(paymentKey: string): LedgerEntry | undefined {
    return this.byKey.get(paymentKey);
  }

  /** The latest payment for an order: a customer who retries the window leaves several. */
  latestForOrder(orderId: string): LedgerEntry | undefined {
    return this.all()
      .filter((entry) => entry.orderId === orderId)
      .at(-1);
  }

  /** What the customer does in the payment window: a new IN_PROGRESS payment, or a refusal with Toss's code. */
  authorize(order: OrderFields & { card: string }): LedgerEntry {
    const problem = orderProblem(order);
    if (problem) throw new TossStandinError(400, 'INVALID_REQUEST', problem);
    const digits = cardDigits(order.card);
    if (!digits) throw new TossStandinError(400, 'INVALID_CARD_NUMBER');
    if (this.settled(order.orderId)) throw new TossStandinError(400, 'ALREADY_PROCESSED_PAYMENT');
    const entry: LedgerEntry = {
      paymentKey: `tstandin_${randomBytes(18).toString('base64url')}`,
      orderId: order.orderId,
      orderName: order.orderName,
      totalAmount: order.amount,
      status: 'IN_PROGRESS',
      card: maskCard(digits),
      requestedAt: kstNow(),
      cancels: [],
      confirmCalls: 0,
      behaviour: behaviourOf(digits),
      cardFaultSpent: false,
    };
    this.byKey.set(entry.paymentKey, entry);
    this.record(entry);
    return entry;
  }

  /**
   * POST /v1/payments/confirm. `takeFault` is asked only when the payment is IN_PROGRESS, so an
   * injected fault is spent on a confirm that would have moved money. Throws for refusals that
   * change nothing but the call count; returns the outcome of a processed confirm, and whether its
   * response must be held back (the timeout fault: processed, but the client never hears).
   */
  confirm(request: { paymentKey: string; orderId: string; amount: number }, takeFault: () => ConfirmFault | undefined): ConfirmOutcome {
    const entry = this.byKey.get(request.paymentKey);
    if (!entry) throw new TossStandinError(404, 'NOT_FOUND_PAYMENT_SESSION');
    entry.confirmCalls += 1;
    try {
      if (entry.orderId !== request.orderId) throw new TossStandinError(400, 'INVALID_REQUEST', 'orderId differs from the one the payment was authorized for');
      if (entry.totalAmount !== request.amount) throw new TossStandinError(400, 'INVALID_REQUEST', 'amount differs from the one the payment was authorized for');
      if (entry.status === 'DONE' || entry.status === 'CANCELED') throw new TossStandinError(400, 'ALREADY_PROCESSED_PAYMENT');
      if (entry.status === 'ABORTED') throw new TossStandinError(403, 'REJECT_CARD_PAYMENT');
      // Two windows opened for one order can leave two authorizations; only one may take money.
      if (this.settled(entry.orderId)) throw new TossStandinError(400, 'DUPLICATED_ORDER_ID');
      return this.process(entry, takeFault);
    } finally {
      this.record(entry);
    }
  }

  /** POST /v1/payments/{paymentKey}/cancel: the whole amount back; partial cancels are not modelled. */
  cancel(paymentKey: string, request: { cancelReason?: unknown; cancelAmount?: unknown }): LedgerEntry {
    const { cancelReason, cancelAmount } = request;
    if (typeof cancelReason !== 'string' || cancelReason.trim() === '' || cancelReason.length > CANCEL_REASON_MAX) {
      throw new TossStandinError(400, 'INVALID_REQUEST', `cancelReason must be 1–${CANCEL_REASON_MAX} characters`);
    }
    const entry = this.byKey.get(paymentKey);
    if (!entry) throw new TossStandinError(404, 'NOT_FOUND_PAYMENT');
    if (entry.status === 'CANCELED') throw new TossStandinError(400, 'ALREADY_CANCELED_PAYMENT');
    if (entry.status !== 'DONE') throw new TossStandinError(403, 'NOT_CANCELABLE_PAYMENT');
    if (cancelAmount !== undefined && cancelAmount !== entry.totalAmount) {
      throw new TossStandinError(400, 'INVALID_REQUEST', 'the stand-in cancels the whole amount only; leave cancelAmount out');
    }
    entry.status = 'CANCELED';
    entry.cancels.push({ cancelReason, canceledAt: kstNow(), cancelAmount: entry.totalAmount });
    this.record(entry);
    return entry;
  }

  private process(entry: LedgerEntry, takeFault: () => ConfirmFault | undefined): ConfirmOutcome {
    const cardFault: ConfirmFault | undefined = entry.cardFaultSpent
      ? undefined
      : entry.behaviour === 'timeout'
        ? 'timeout'
        : entry.behaviour === 'serverError'
          ? 'error'
          : undefined;
    const fault = takeFault() ?? cardFault;
    entry.cardFaultSpent = true;
    if (fault === 'error') throw new TossStandinError(500, 'FAILED_INTERNAL_SYSTEM_PROCESSING');
    const hold = fault === 'timeout';
    if (entry.behaviour === 'decline') {
      const error = new TossStandinError(403, 'REJECT_CARD_PAYMENT');
      entry.status = 'ABORTED';
      entry.failure = error.toBody();
      return { ok: false, error, hold };
    }
    entry.status = 'DONE';
    entry.approvedAt = kstNow();
    entry.approveNo = String(randomInt(10_000_000, 100_000_000));
    return { ok: true, entry, hold };
  }

  /** Whether the order is paid: one DONE payment per orderId. */
  private settled(orderId: string): boolean {
    return this.all().some((entry) => entry.orderId === orderId && entry.status === 'DONE');
  }
}
