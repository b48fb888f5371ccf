import { describe, expect, it } from 'vitest';
import { paths } from '@/config/paths';
import { buyNowFrom } from './buy-now';

const paramsOf = (url: string) => new URL(url, 'http://shop.test').searchParams;

describe('the buy now in a checkout URL', () => {
  it('reads back what the product page put there, whatever the slug holds', () => {
    expect(buyNowFrom(paramsOf(paths.buyNow('white sneakers/2', 3)))).toEqual({ slug: 'white sneakers/2', quantity: 3 });
  });

  it('is absent for the cart checkout', () => {
    expect(buyNowFrom(paramsOf(paths.checkout()))).toBeNull();
  });

  it.each(['', 'abc', '0', '-2', '1.5'])('takes a quantity of %j as one', (qty) => {
    expect(buyNowFrom(paramsOf(`/checkout?buy=sneaker&qty=${qty}`))).toEqual({ slug: 'sneaker', quantity: 1 });
  });
});
