import { isRouteErrorResponse, Link, useRouteError } from 'react-router';
import { describeError } from '@/lib/errors';
import { useI18n } from '@/lib/i18n';
import { useDocumentTitle } from './document-title';

/**
 * The error boundary of every route: whatever broke (a render error, a chunk that failed to
 * load while offline), the shopper gets a sentence, a retry and a way home, never a blank page.
 */
export function RouteError() {
  const error = useRouteError();
  const { t } = useI18n();
  useDocumentTitle(t('error.title'));
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  return (
    <section className="page narrow route-error" aria-labelledby="route-error-title">
      <h1 id="route-error-title">{notFound ? t('error.notFound') : t('error.title')}</h1>
      {!notFound && <p>{describeError(error, t)}</p>}
      <div className="actions">
        <button type="button" className="button" onClick={() => window.location.reload()}>
          {t('error.retry')}
        </button>
        <Link className="button button-secondary" to="/">
          {t('error.home')}
        </Link>
      </div>
    </section>
  );
}
