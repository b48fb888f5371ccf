import { Link, useNavigate } from 'react-router';
import { paths } from '@/config/paths';
import { useI18n } from '@/lib/i18n';
import { useLogout } from '../api/login';
import { useMe } from '../api/me';

/** The header's account links: login/sign up for visitors; orders, admin and logout for users. */
export function AccountMenu() {
  const me = useMe();
  const logout = useLogout();
  const navigate = useNavigate();
  const { t } = useI18n();
  if (!me.data) {
    return (
      <>
        <li>
          <Link to={paths.login()}>{t('nav.login')}</Link>
        </li>
        <li>
          <Link to={paths.register()}>{t('nav.register')}</Link>
        </li>
      </>
    );
  }
  return (
    <>
      {me.data.role === 'admin' && (
        <li>
          <Link to={paths.admin()}>{t('nav.admin')}</Link>
        </li>
      )}
      <li>
        <Link to={paths.orders()}>{t('nav.orders')}</Link>
      </li>
      <li>
        <button type="button" className="button-link" disabled={logout.isPending} onClick={() => logout.mutate(undefined, { onSuccess: () => void navigate(paths.home()) })}>
          {t('nav.logout')}
        </button>
      </li>
    </>
  );
}
