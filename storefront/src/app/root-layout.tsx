import { useCallback, useEffect, useRef } from 'react';
import { Link, NavLink, Outlet, ScrollRestoration, useLocation, useNavigate, useNavigation, useSearchParams } from 'react-router';
import { ApiStatusBanner } from '@/components/api-status-banner';
import { LoadingRegion, Skeleton } from '@/components/skeleton';
import { paths } from '@/config/paths';
import { AccountMenu } from '@/features/auth/components/account-menu';
import { CartCount } from '@/features/cart/components/cart-view';
import { SearchField } from '@/features/catalog/components/search-field';
import { useI18n } from '@/lib/i18n';

function Header() {
  const { t, locale, setLocale } = useI18n();
  const navigate = useNavigate();
  const location = useLocation();
  const [params] = useSearchParams();
  const onSearchPage = location.pathname === '/search';
  const q = onSearchPage ? (params.get('q') ?? '') : '';
  // Results follow the typing: each (debounced) change opens or updates the search page.
  const onSearch = useCallback((next: string) => void navigate(paths.search(next), { replace: onSearchPage }), [navigate, onSearchPage]);
  return (
    <header className="site-header">
      <a href="#main" className="skip-link">
        {t('app.skip')}
      </a>
      <div className="header-inner">
        <Link to={paths.home()} className="logo">
          Evermall
        </Link>
        <SearchField initial={q} onSearch={onSearch} />
        <nav aria-label={t('nav.main')} className="header-nav">
          <ul>
            <li>
              <NavLink to={paths.cart()} className="cart-link">
                {t('nav.cart')} <CartCount />
              </NavLink>
            </li>
            <AccountMenu />
            <li>
              <button
                type="button"
                className="button-link"
                lang={locale === 'ko' ? 'en' : 'ko'}
                aria-label={t('lang.switchLabel')}
                onClick={() => setLocale(locale === 'ko' ? 'en' : 'ko')}
              >
                {t('lang.switch')}
              </button>
            </li>
          </ul>
        </nav>
      </div>
    </header>
  );
}

/**
 * After a client-side navigation, focus moves to the page's main region so keyboard and screen
 * reader users start at the new content, except while they are typing a search.
 */
function useFocusMainOnNavigate(): void {
  const { pathname } = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (document.activeElement?.closest('form[role="search"]')) return;
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [pathname]);
}

export function RootLayout() {
  const { t } = useI18n();
  const navigation = useNavigation();
  useFocusMainOnNavigate();
  return (
    <>
      <ScrollRestoration />
      <Header />
      <ApiStatusBanner />
      {navigation.state === 'loading' && <div className="route-progress" aria-hidden="true" />}
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="site-footer">
        <p>{t('footer.text')}</p>
      </footer>
    </>
  );
}

/** What shows while the first page's chunk loads. */
export function RootSkeleton() {
  return (
    <main id="main" className="page">
      <LoadingRegion label="…">
        <Skeleton height="3em" width="40%" />
        <Skeleton height="12em" />
      </LoadingRegion>
    </main>
  );
}
