import { describe, expect, it } from 'vitest';
import { validateShipping } from './validate-shipping';

const ok = { name: '김민지', phone: '010-1234-5678', postalCode: '04524', address1: '서울특별시 중구 세종대로 110', address2: '' };

describe('shipping address validation', () => {
  it('accepts a complete Korean address and a card with spaces', () => {
    expect(validateShipping(ok, '4242 4242 4242 4242')).toEqual({});
  });

  it('names every missing or malformed field', () => {
    expect(validateShipping({ ...ok, name: ' ', phone: '12a', postalCode: '1234', address1: '' }, '42')).toEqual({
      name: 'required',
      phone: 'phone',
      postalCode: 'postalCode',
      address1: 'required',
      card: 'card',
    });
  });
});
