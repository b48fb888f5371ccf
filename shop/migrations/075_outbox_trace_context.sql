-- The trace an event belongs to (tracing/README.md): the W3C traceparent of the span that wrote
-- the row (the request's, or the checkout batch's), so the relay publishes the event as part of
-- that trace and its consumers continue it. NULL when the writer was not traced (tracing off, a
-- sweep). Nullable and without a default: adding it rewrites nothing, and the running release's
-- inserts, which leave it out, go on working.
ALTER TABLE outbox ADD COLUMN trace_context text;
