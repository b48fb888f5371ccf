/**
 * Where the static backup site keeps the catalog's JSON answers, so the edge can answer the SPA's
 * catalog GETs from it when the shop cannot (a CloudFront origin group on AWS, the twin's front
 * door): each answer sits at the API path it answers, as the bucket key the edge asks for, with
 * one exception. `/api/products` (the product list) and `/api/products/<slug>` (one product) cannot
 * both be files in a folder, so the list is written beside the folder as `products.json` and
 * uploaded to the key `api/products` (infra's backup-site upload); the twin's front door reads it
 * from there. Like an S3 object, an answer ignores the query string: every list or search gets the
 * newest products, the first page the home page shows.
 *
 * No imports: infra reads this layout through `@evermall/shop/release`.
 */
export const catalogAnswers = {
  /** The folder in the site, and the URL prefix it answers (`/api/...`). */
  dir: 'api',
  /** The product list's file inside `dir`; its bucket key is `api/products`. */
  productListFile: 'products.json',
  /** The bucket key of the product list (the URL path without its leading slash). */
  productListKey: 'api/products',
  contentType: 'application/json; charset=utf-8',
} as const;

/**
 * The file in the backup site that answers a catalog GET of `pathname` (no query), or undefined
 * when the path is not one the export writes. The result is relative to the site's root.
 */
export function catalogAnswerFile(pathname: string): string | undefined {
  const parts = pathname.split('/').filter(Boolean);
  if (parts[0] !== catalogAnswers.dir) return undefined;
  if (parts.length === 2 && parts[1] === 'categories') return `${catalogAnswers.dir}/categories`;
  if (parts.length === 2 && parts[1] === 'products') return `${catalogAnswers.dir}/${catalogAnswers.productListFile}`;
  if (parts.length === 3 && parts[1] === 'products') {
    let slug: string;
    try {
      slug = decodeURIComponent(parts[2]!);
    } catch {
      return undefined;
    }
    // A slug names one file in the folder; anything that could climb out of it answers nothing.
    if (slug === '' || slug.includes('/') || slug.includes('\\') || slug.startsWith('.')) return undefined;
    return `${catalogAnswers.dir}/products/${slug}`;
  }
  return undefined;
}
