import { frontDoorFailover } from '@evermall/topology';

/**
 * What the edge answers when the shop cannot take a request and the backup site has no answer
 * for it (a write, a cart, an order): one stable code the storefront can show as "ordering is
 * paused", from the buckets (backup site) and from the front door's ALB route (haproxy-config.ts)
 * alike. Single quotes stay out of the body: HAProxy's config quotes it with them.
 */
export const orderingPaused = {
  status: 503,
  code: 'ORDERING_PAUSED',
  contentType: 'application/json',
  /** A shopper may try again after one deep-check interval: the earliest the shop can be back in rotation. */
  retryAfterSeconds: frontDoorFailover.intervalSeconds,
  body: JSON.stringify({
    error: { code: 'ORDERING_PAUSED', message: 'The shop is in read-only backup mode; ordering is paused. Try again shortly.' },
  }),
} as const;
