// Tracing's public face (`@evermall/shop/tracing`): a consumer's process starts it and continues each event's trace (README.md).
export { startTracing, flushTracing, type Tracing, type TracingOptions } from './tracing.js';
export { withEventSpan } from './event-spans.js';
