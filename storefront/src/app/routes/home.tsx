import { useDocumentTitle } from '@/components/document-title';
import { CategoryList } from '@/features/catalog/components/category-list';
import { FeaturedProducts } from '@/features/catalog/components/featured-products';
import { useI18n } from '@/lib/i18n';

export function Component() {
  const { t } = useI18n();
  useDocumentTitle(t('home.hero'));
  return (
    <div className="page">
      <section className="hero">
        <h1>{t('home.hero')}</h1>
        <p>{t('home.heroSub')}</p>
      </section>
      <section aria-labelledby="home-categories">
        <h2 id="home-categories">{t('home.categories')}</h2>
        <CategoryList label={t('home.categories')} className="category-chips" />
      </section>
      <section aria-labelledby="home-featured">
        <h2 id="home-featured">{t('home.featured')}</h2>
        <FeaturedProducts />
      </section>
    </div>
  );
}
