/** What a buy-now checkout orders, as the URL carries it (`paths.buyNow`). */
export interface BuyNow {
  slug: string;
  quantity: number;
}

/** The buy now in a checkout URL's query, or null for a cart checkout. A missing or unusable quantity means one. */
export function buyNowFrom(params: URLSearchParams): BuyNow | null {
  const slug = params.get('buy');
  if (!slug) return null;
  const quantity = Number(params.get('qty'));
  return { slug, quantity: Number.isSafeInteger(quantity) && quantity >= 1 ? quantity : 1 };
}
