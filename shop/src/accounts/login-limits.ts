import type { Config } from '../config.js';
import { HOUR_SECONDS, MINUTE_SECONDS, type AttemptLimit } from '../plugins/attempt-limits.js';

/** An account's attempts are counted by its email as the database compares it: case-insensitively. */
const accountKey = (email: string) => email.trim().toLowerCase();

type LoginLimitSettings = Pick<Config, 'LOGIN_RATE_LIMIT_PER_MINUTE' | 'LOGIN_ACCOUNT_RATE_LIMIT_PER_HOUR'>;

/** Password guesses against one account, from any address; cleared when it logs in. */
export const loginPerAccount = (config: LoginLimitSettings, email: string): AttemptLimit => ({
  scope: 'login-account',
  key: accountKey(email),
  max: config.LOGIN_ACCOUNT_RATE_LIMIT_PER_HOUR,
  windowSeconds: HOUR_SECONDS,
});

/**
 * The limits on checking a password: per client address and per account. Every place that
 * verifies a password (login, password change, linking a sign-in to an account) counts here, so
 * none of them is a way around the others.
 */
export const loginLimits = (config: LoginLimitSettings, clientAddress: string, email: string): AttemptLimit[] => [
  { scope: 'login-client', key: clientAddress, max: config.LOGIN_RATE_LIMIT_PER_MINUTE, windowSeconds: MINUTE_SECONDS },
  loginPerAccount(config, email),
];
