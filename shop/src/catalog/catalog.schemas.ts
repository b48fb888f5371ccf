import { Type, type Static } from 'typebox';

export const SORTS = ['newest', 'price_asc', 'price_desc', 'name'] as const;
export type Sort = (typeof SORTS)[number];

export const CategoryRef = Type.Object({
  id: Type.Integer(),
  slug: Type.String(),
  name: Type.String(),
  nameEn: Type.String(),
});

export interface CategoryNode {
  id: number;
  slug: string;
  name: string;
  nameEn: string;
  children: CategoryNode[];
}

/** A category with its sub-categories, as deep as the tree goes. */
export const CategoryTree = Type.Cyclic(
  {
    Category: Type.Object({
      id: Type.Integer(),
      slug: Type.String(),
      name: Type.String(),
      nameEn: Type.String(),
      children: Type.Array(Type.Ref('Category')),
    }),
  },
  'Category',
);

/** One product image as a `<picture>` shows it: the original, and a srcset per variant format (AVIF, then WebP). */
export const ProductPicture = Type.Object({
  src: Type.String({ description: 'The original, a URL path under /media/' }),
  sources: Type.Array(
    Type.Object({
      type: Type.String({ description: "The variants' media type, for <source type>" }),
      srcset: Type.String({ description: 'Variant URLs with their widths (`/media/variants/<key>/640.webp 640w, ...`), for <source srcset>' }),
    }),
    { description: 'Empty for an image that is never resized (SVG)' },
  ),
});

export const Product = Type.Object({
  id: Type.Integer(),
  sku: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  nameEn: Type.String(),
  description: Type.String(),
  priceWon: Type.Integer({ description: 'Price in won (KRW has no minor unit)' }),
  stock: Type.Integer(),
  maxPerCustomer: Type.Union([Type.Integer(), Type.Null()], { description: 'Units one customer may buy over all their orders (a flash-sale item); null: no limit' }),
  active: Type.Boolean(),
  category: CategoryRef,
  images: Type.Array(Type.String({ description: 'A URL path under /media/' })),
  pictures: Type.Array(ProductPicture, { description: 'The same images, in the same order, with their sized variants' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Product = Static<typeof Product>;

export const ProductListQuery = Type.Object(
  {
    category: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,80}$', description: 'Category slug; includes its sub-categories' })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Words or part of a word, Korean or English' })),
    sort: Type.Optional(
      Type.Union(
        SORTS.map((s) => Type.Literal(s)),
        { default: 'newest' },
      ),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 24 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'nextCursor of the previous page (keyset pagination)' })),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: 'Page number (offset pagination); the answer then carries total' })),
  },
  { additionalProperties: false },
);
export type ProductListQuery = Static<typeof ProductListQuery>;

export const ProductList = Type.Object({
  items: Type.Array(Product),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  page: Type.Optional(Type.Integer()),
  total: Type.Optional(Type.Integer({ description: 'Only with `page`: matching products in all pages' })),
});
export type ProductList = Static<typeof ProductList>;

export const SlugParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 120 }) });
