import { orderProblem, TOSS_STANDIN_CARDS } from './payment-ledger.js';

/** What the shop's page hands the payment window (the SDK's requestPayment, as query or form fields). */
export interface CheckoutRequest {
  clientKey: string;
  orderId: string;
  amount: number;
  orderName: string;
  successUrl: string;
  failUrl: string;
}

export type CheckoutParse = { ok: true; checkout: CheckoutRequest } | { ok: false; problem: string };

type Fields = Record<string, string | undefined>;

/** Reads and checks the window's fields; `problem` names the first bad one. */
export function parseCheckout(fields: Fields, clientKey: string): CheckoutParse {
  if (fields.clientKey !== clientKey) return { ok: false, problem: 'unknown clientKey' };
  const amountText = fields.amount ?? '';
  const amount = /^[1-9][0-9]*$/.test(amountText) ? Number(amountText) : NaN;
  const order = { orderId: fields.orderId ?? '', amount, orderName: fields.orderName ?? '' };
  const problem = orderProblem(order);
  if (problem) return { ok: false, problem };
  for (const name of ['successUrl', 'failUrl'] as const) {
    if (!isAbsoluteHttpUrl(fields[name])) return { ok: false, problem: `${name} must be an absolute http(s) URL` };
  }
  return { ok: true, checkout: { clientKey, ...order, successUrl: fields.successUrl as string, failUrl: fields.failUrl as string } };
}

function isAbsoluteHttpUrl(value: string | undefined): boolean {
  if (!value || !URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:';
}

/** Where Toss sends the browser: the shop's URL with the query appended as Toss appends it. */
export function returnUrl(base: string, params: Record<string, string>): string {
  return base + (base.includes('?') ? '&' : '?') + new URLSearchParams(params).toString();
}

export function successUrl(checkout: CheckoutRequest, paymentKey: string): string {
  return returnUrl(checkout.successUrl, { paymentKey, orderId: checkout.orderId, amount: String(checkout.amount), paymentType: 'NORMAL' });
}

export function failUrl(checkout: CheckoutRequest, code: string, message: string): string {
  return returnUrl(checkout.failUrl, { code, message, orderId: checkout.orderId });
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f2f4f6;margin:0;padding:2rem 1rem;color:#191f28}
main{max-width:26rem;margin:auto;background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.2rem;margin:0 0 1rem}dl{display:grid;grid-template-columns:auto 1fr;gap:.4rem 1rem;margin:0 0 1.2rem}
dt{color:#6b7684}dd{margin:0;font-weight:600}label{display:block;margin-bottom:.3rem}
input[name=card]{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #d1d6db;border-radius:8px}
.actions{display:flex;gap:.6rem;margin-top:1rem}button{flex:1;padding:.7rem;font-size:1rem;border:0;border-radius:8px;cursor:pointer}
button[value=pay]{background:#3182f6;color:#fff}button[value=cancel]{background:#e5e8eb}details{margin-top:1.2rem;color:#6b7684;font-size:.85rem}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="ko">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
${body}
</main></body>
</html>
`;
}

const CARD_HINTS: Record<keyof typeof TOSS_STANDIN_CARDS, string> = {
  approve: 'approves',
  decline: 'is declined at confirm',
  timeout: 'first confirm is processed but answers late',
  serverError: 'first confirm answers 500',
};

/** The payment window: the order, a card number, Pay and Cancel, both posting back to /pay. */
export function renderPayPage(checkout: CheckoutRequest): string {
  const hidden = (['clientKey', 'orderId', 'amount', 'orderName', 'successUrl', 'failUrl'] as const)
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(String(checkout[name]))}">`)
    .join('\n');
  const cards = Object.entries(TOSS_STANDIN_CARDS)
    .map(([name, number]) => `<li><code>${number}</code> ${escapeHtml(CARD_HINTS[name as keyof typeof TOSS_STANDIN_CARDS])}</li>`)
    .join('');
  return page(
    '토스페이먼츠 결제 (stand-in)',
    `<h1>토스페이먼츠 결제 · Payment</h1>
<dl><dt>주문 · Order</dt><dd id="order-name">${escapeHtml(checkout.orderName)}</dd><dt>금액 · Amount</dt><dd id="amount">${new Intl.NumberFormat('ko-KR').format(checkout.amount)}원</dd></dl>
<form method="post" action="/pay">
${hidden}
<label for="card">Card number</label>
<input id="card" name="card" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242">
<div class="actions"><button type="submit" name="action" value="pay">Pay</button><button type="submit" name="action" value="cancel">Cancel</button></div>
</form>
<details><summary>Test cards</summary><ul>${cards}</ul></details>`,
  );
}

/** A 400 page for a window opened with bad fields: the shop's bug, shown to whoever opened it. */
export function renderProblemPage(problem: string): string {
  return page('결제 요청 오류 (stand-in)', `<h1>결제 요청 오류 · Bad payment request</h1>\n<p id="problem">${escapeHtml(problem)}</p>`);
}
