import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { TextField } from '@/components/text-field';
import { paths } from '@/config/paths';
import { describeError } from '@/lib/errors';
import { useI18n } from '@/lib/i18n';
import { useLogin, useRegister } from '../api/login';
import { safeNext } from './safe-next';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MIN_PASSWORD = 8;

export function LoginForm({ next }: { next: string | null }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const login = useLogin();
  const [errors, setErrors] = useState<{ email?: string; password?: string }>({});
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const email = String(data.get('email') ?? '').trim();
    const password = String(data.get('password') ?? '');
    const found = {
      email: EMAIL.test(email) ? undefined : t('validation.email'),
      password: password ? undefined : t('validation.required', { field: t('auth.password') }),
    };
    setErrors(found);
    if (found.email || found.password) return;
    login.mutate({ email, password }, { onSuccess: () => void navigate(safeNext(next), { replace: true }) });
  };
  return (
    <form className="form auth-form" onSubmit={onSubmit} noValidate>
      <TextField label={t('auth.email')} name="email" type="email" autoComplete="email" required error={errors.email} />
      <TextField label={t('auth.password')} name="password" type="password" autoComplete="current-password" required error={errors.password} />
      {login.isError && (
        <p className="notice notice-error" role="alert">
          {describeError(login.error, t)}
        </p>
      )}
      <button type="submit" className="button button-large" disabled={login.isPending}>
        {t('auth.submitLogin')}
      </button>
      <p>
        {t('auth.noAccount')} <Link to={paths.register(next ?? undefined)}>{t('nav.register')}</Link>
      </p>
    </form>
  );
}

export function RegisterForm({ next }: { next: string | null }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const register = useRegister();
  const [errors, setErrors] = useState<{ name?: string; email?: string; password?: string }>({});
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const name = String(data.get('name') ?? '').trim();
    const email = String(data.get('email') ?? '').trim();
    const password = String(data.get('password') ?? '');
    const found = {
      name: name ? undefined : t('validation.required', { field: t('auth.name') }),
      email: EMAIL.test(email) ? undefined : t('validation.email'),
      password: password.length >= MIN_PASSWORD ? undefined : t('validation.password'),
    };
    setErrors(found);
    if (found.name || found.email || found.password) return;
    register.mutate({ name, email, password }, { onSuccess: () => void navigate(safeNext(next), { replace: true }) });
  };
  return (
    <form className="form auth-form" onSubmit={onSubmit} noValidate>
      <TextField label={t('auth.name')} name="name" autoComplete="name" required error={errors.name} />
      <TextField label={t('auth.email')} name="email" type="email" autoComplete="email" required error={errors.email} />
      <TextField
        label={t('auth.password')}
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={MIN_PASSWORD}
        error={errors.password}
        hint={t('validation.password')}
      />
      {register.isError && (
        <p className="notice notice-error" role="alert">
          {describeError(register.error, t)}
        </p>
      )}
      <button type="submit" className="button button-large" disabled={register.isPending}>
        {t('auth.submitRegister')}
      </button>
      <p>
        {t('auth.haveAccount')} <Link to={paths.login(next ?? undefined)}>{t('nav.login')}</Link>
      </p>
    </form>
  );
}
