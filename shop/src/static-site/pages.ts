/**
 * The static backup site's pages: plain HTML with relative links (it is served from an S3
 * website bucket or a folder), no scripts and no forms, and on every page a notice that
 * ordering is paused. It is what shoppers see while the shop itself is down.
 */

export interface SiteCategory {
  id: number;
  slug: string;
  name: string;
  nameEn: string;
  parentId: number | null;
  children: SiteCategory[];
}

export interface SiteProduct {
  slug: string;
  name: string;
  nameEn: string;
  description: string;
  priceWon: number;
  stock: number;
  categoryId: number;
  images: string[];
}

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const won = (amount: number) => `${amount.toLocaleString('ko-KR')}원`;

export const PAUSED_NOTICE_KO = '지금은 주문이 일시 중단되었습니다. 상품은 둘러보실 수 있으며, 곧 다시 주문을 받겠습니다.';
export const PAUSED_NOTICE_EN = 'Ordering is paused right now. You can still browse the catalog; we will take orders again shortly.';

const STYLE = `
body{margin:0;font-family:system-ui,-apple-system,"Apple SD Gothic Neo","Noto Sans KR",sans-serif;color:#222;background:#fafafa}
.paused{background:#b23a48;color:#fff;padding:14px 20px;text-align:center;font-weight:600;line-height:1.5}
header,main,footer{max-width:1100px;margin:0 auto;padding:12px 20px}
header a{color:#222;text-decoration:none;font-size:1.4em;font-weight:700}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:8px 18px}
nav a,main a{color:#23395d}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:16px;list-style:none;padding:0}
.grid li{background:#fff;border:1px solid #e4e4e4;border-radius:8px;padding:10px}
.grid img{width:100%;aspect-ratio:1;object-fit:cover;border-radius:6px;background:#eee}
.price{font-weight:700}
.soldout{color:#b23a48}
.product img{max-width:420px;width:100%;border-radius:8px}
.pages a{margin-right:10px}
footer{color:#777;font-size:.9em}`;

/** `root` is the relative path back to the site's top ('' or '../' or '../../'). */
export function layout(root: string, title: string, body: string, generatedAt: string): string {
  return `<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Evermall</title>
<style>${STYLE}</style>
</head>
<body>
<div class="paused" role="alert"><p lang="ko">${PAUSED_NOTICE_KO}</p><p lang="en">${PAUSED_NOTICE_EN}</p></div>
<header><a href="${root}index.html">Evermall 에버몰</a></header>
<main>
${body}
</main>
<footer>이 페이지는 ${escapeHtml(generatedAt)}에 저장된 카탈로그입니다. This is a copy of the catalog saved at ${escapeHtml(generatedAt)}; prices and stock may have changed.</footer>
</body>
</html>
`;
}

export const productHref = (root: string, p: SiteProduct) => `${root}p/${p.slug}.html`;
export const categoryHref = (root: string, c: SiteCategory, page = 1) => `${root}c/${c.slug}/${page === 1 ? 'index' : `page-${page}`}.html`;

function productCard(root: string, p: SiteProduct): string {
  const image = p.images[0] ? `<img src="${root}media/${escapeHtml(p.images[0])}" alt="${escapeHtml(p.name)}" loading="lazy">` : '';
  const stock = p.stock > 0 ? '' : ' <span class="soldout">품절 · Sold out</span>';
  return `<li><a href="${productHref(root, p)}">${image}<div>${escapeHtml(p.name)}</div><small lang="en">${escapeHtml(p.nameEn)}</small></a>
<div class="price">${won(p.priceWon)}${stock}</div></li>`;
}

function categoryList(root: string, categories: SiteCategory[]): string {
  if (categories.length === 0) return '';
  const items = categories.map(
    (c) => `<li><a href="${categoryHref(root, c)}">${escapeHtml(c.name)} <small lang="en">${escapeHtml(c.nameEn)}</small></a>${categoryList(root, c.children)}</li>`,
  );
  return `<ul>${items.join('')}</ul>`;
}

export function homePage(tree: SiteCategory[], featured: SiteProduct[], generatedAt: string): string {
  const body = `<nav aria-label="카테고리 Categories">${categoryList('', tree)}</nav>
<h1>새로 들어온 상품 <small lang="en">New arrivals</small></h1>
<ul class="grid">${featured.map((p) => productCard('', p)).join('\n')}</ul>`;
  return layout('', 'Evermall', body, generatedAt);
}

/** Pages to link from page `page`: the first, the last and a few around the current one. */
export function pageLinks(page: number, pageCount: number, around = 4): number[] {
  const pages = new Set([1, pageCount]);
  for (let n = Math.max(1, page - around); n <= Math.min(pageCount, page + around); n++) pages.add(n);
  return [...pages].sort((a, b) => a - b);
}

export function categoryPage(category: SiteCategory, trail: SiteCategory[], products: SiteProduct[], page: number, pageCount: number, generatedAt: string): string {
  const root = '../../';
  const crumbs = trail.map((c) => `<a href="${categoryHref(root, c)}">${escapeHtml(c.name)}</a>`).join(' › ');
  const pages =
    pageCount > 1
      ? `<p class="pages">${pageLinks(page, pageCount)
          .map((n) => (n === page ? `<strong>${n}</strong>` : `<a href="${categoryHref(root, category, n)}">${n}</a>`))
          .join(' ')}</p>`
      : '';
  const body = `<p>${crumbs}</p>
<h1>${escapeHtml(category.name)} <small lang="en">${escapeHtml(category.nameEn)}</small></h1>
<nav>${categoryList(root, category.children)}</nav>
<ul class="grid">${products.map((p) => productCard(root, p)).join('\n')}</ul>
${pages}`;
  return layout(root, page === 1 ? category.name : `${category.name} (${page})`, body, generatedAt);
}

export function productPage(product: SiteProduct, trail: SiteCategory[], generatedAt: string): string {
  const root = '../';
  const crumbs = trail.map((c) => `<a href="${categoryHref(root, c)}">${escapeHtml(c.name)}</a>`).join(' › ');
  const images = product.images.map((k) => `<img src="${root}media/${escapeHtml(k)}" alt="${escapeHtml(product.name)}">`).join('\n');
  const stock = product.stock > 0 ? '재고 있음 · In stock' : '<span class="soldout">품절 · Sold out</span>';
  const description = escapeHtml(product.description).replace(/\n/g, '<br>');
  const body = `<p>${crumbs}</p>
<article class="product">
<h1>${escapeHtml(product.name)}</h1>
<p lang="en">${escapeHtml(product.nameEn)}</p>
${images}
<p class="price">${won(product.priceWon)}</p>
<p>${stock}</p>
<p>${description}</p>
<p><strong>${PAUSED_NOTICE_KO}</strong><br><span lang="en">${PAUSED_NOTICE_EN}</span></p>
</article>`;
  return layout(root, product.name, body, generatedAt);
}
