import { NavLink, Outlet } from 'react-router';
import { paths } from '@/config/paths';
import { RequireUser } from '@/features/auth/components/require-user';
import { useI18n } from '@/lib/i18n';

/** The staff area: admins only; a customer is told so, a visitor is sent to login. */
export function Component() {
  const { t } = useI18n();
  return (
    <div className="page admin">
      <RequireUser admin>
        <nav aria-label={t('admin.nav')} className="admin-nav">
          <ul>
            <li>
              <NavLink to={paths.admin()} end>
                {t('admin.products')}
              </NavLink>
            </li>
            <li>
              <NavLink to={paths.adminOrders()}>{t('admin.orders')}</NavLink>
            </li>
            <li>
              <NavLink to={paths.adminSales()}>{t('admin.sales')}</NavLink>
            </li>
          </ul>
        </nav>
        <Outlet />
      </RequireUser>
    </div>
  );
}
