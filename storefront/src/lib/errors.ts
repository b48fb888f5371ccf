import { ApiError } from './api-client';
import type { MessageKey } from './messages';
import { ko } from './messages';

type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** A message a person can act on, never a bare code. Known codes are translated; others fall back to the shop's own message. */
export function describeError(error: unknown, t: Translate): string {
  if (error instanceof ApiError) {
    const key = `error.${error.code}` as MessageKey;
    if (key in ko) return t(key);
    if (error.status === 401) return t('error.UNAUTHENTICATED');
    if (error.status === 403) return t('error.FORBIDDEN');
    if (error.status === 404) return t('error.NOT_FOUND');
    if (error.status >= 500) return t('error.INTERNAL');
    return error.message || t('error.unknown');
  }
  // Chromium, Firefox and Safari word a failed dynamic import differently.
  if (error instanceof TypeError && /dynamically imported module|module script failed|Importing a module/i.test(error.message)) {
    return t('error.pageLoad');
  }
  return t('error.unknown');
}
