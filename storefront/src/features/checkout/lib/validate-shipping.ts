import type { ShippingAddress } from '@/lib/api-types';

export type ShippingField = keyof ShippingAddress | 'card';
export type ShippingErrors = Partial<Record<ShippingField, 'required' | 'phone' | 'postalCode' | 'card'>>;

/** Digits, spaces and dashes with an optional leading +, as the shop accepts. */
const PHONE = /^\+?[0-9][0-9 -]{6,19}$/;
/** Korean postal codes have been 5 digits since 2015. */
const POSTAL = /^\d{5}$/;

/** `card` is null where the shop takes no card in the form (the shopper pays in the provider's window). */
export function validateShipping(shipping: ShippingAddress, card: string | null): ShippingErrors {
  const errors: ShippingErrors = {};
  if (!shipping.name.trim()) errors.name = 'required';
  if (!shipping.phone.trim()) errors.phone = 'required';
  else if (!PHONE.test(shipping.phone.trim())) errors.phone = 'phone';
  if (!shipping.postalCode.trim()) errors.postalCode = 'required';
  else if (!POSTAL.test(shipping.postalCode.trim())) errors.postalCode = 'postalCode';
  if (!shipping.address1.trim()) errors.address1 = 'required';
  if (card === null) return errors;
  const digits = card.replace(/[\s-]/g, '');
  if (!digits) errors.card = 'required';
  else if (!/^\d{12,19}$/.test(digits)) errors.card = 'card';
  return errors;
}
