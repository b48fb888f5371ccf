/**
 * Idempotency keys, as checkout and cart adds take them in the Idempotency-Key header: 8–255
 * characters of letters, digits and `-_.:` (a UUID fits). 255 is Stripe's limit for the same
 * header; the lower bound refuses keys too short to be unique.
 */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{8,255}$/;
