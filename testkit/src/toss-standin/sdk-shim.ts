/**
 * The JavaScript served at /v2/standard in place of Toss's v2 SDK (js.tosspayments.com/v2/standard):
 * the part of its surface a card checkout uses, `TossPayments(clientKey).payment({ customerKey })
 * .requestPayment({ method: 'CARD', amount: { currency: 'KRW', value }, orderId, orderName,
 * successUrl, failUrl })`, which sends the browser to the stand-in's payment window. Bad
 * arguments reject with an Error carrying `code`, as the SDK's do
 * (docs.tosspayments.com/sdk/v2/js#tosspaymentspayment).
 */
export function renderSdkShim(origin: string): string {
  return `/* Toss Payments v2 SDK stand-in (@evermall/testkit) */
(function () {
  'use strict';
  var ORIGIN = ${JSON.stringify(origin)};
  function fail(code, message) {
    var error = new Error(message);
    error.code = code;
    return Promise.reject(error);
  }
  function TossPayments(clientKey) {
    if (typeof clientKey !== 'string' || clientKey === '') throw new Error('clientKey is required');
    return {
      payment: function (init) {
        if (!init || typeof init.customerKey !== 'string' || init.customerKey === '') throw new Error('customerKey is required');
        return {
          requestPayment: function (opts) {
            if (!opts || opts.method !== 'CARD') return fail('INVALID_METHOD', 'the stand-in supports method CARD only');
            if (!opts.amount || opts.amount.currency !== 'KRW') return fail('INVALID_CURRENCY', 'amount.currency must be KRW');
            var query = new URLSearchParams({
              clientKey: clientKey,
              orderId: String(opts.orderId),
              amount: String(opts.amount.value),
              orderName: String(opts.orderName),
              successUrl: String(opts.successUrl),
              failUrl: String(opts.failUrl)
            });
            if (opts.customerName) query.set('customerName', String(opts.customerName));
            if (opts.customerEmail) query.set('customerEmail', String(opts.customerEmail));
            location.href = ORIGIN + '/pay?' + query.toString();
            // Like the SDK's, the promise never settles: the page is leaving.
            return new Promise(function () {});
          }
        };
      }
    };
  }
  TossPayments.ANONYMOUS = '@@ANONYMOUS';
  window.TossPayments = TossPayments;
})();
`;
}
