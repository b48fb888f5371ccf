/**
 * The shopper mix, weighted like Online Boutique's load generator
 * (GoogleCloudPlatform/microservices-demo, src/loadgenerator/locustfile.py: index 1, setCurrency 2,
 * browseProduct 10, addToCart 2, viewCart 3, checkout 1). Evermall has no currency switch; listing a
 * category and searching stand in for the index and currency pages.
 */
export const shopperMix = {
  'browse-product': 10,
  'list-category': 3,
  search: 2,
  'add-to-cart': 2,
  'view-cart': 3,
  checkout: 1,
} as const;

export type MixAction = keyof typeof shopperMix;

const entries = Object.entries(shopperMix) as [MixAction, number][];
const totalWeight = entries.reduce((sum, [, w]) => sum + w, 0);

/** Picks the next action with the mix's weights; `random` is in [0, 1). */
export function pickAction(random: number): MixAction {
  let r = random * totalWeight;
  for (const [action, weight] of entries) {
    if (r < weight) return action;
    r -= weight;
  }
  return entries[entries.length - 1]![0];
}
