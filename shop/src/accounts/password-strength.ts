import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { badRequest } from '../errors.js';

/**
 * The least zxcvbn score a new password needs. Score 2 means more than about 10^6 guesses
 * (zxcvbn's scale: 0 and 1 are the top lists and their simple variants), so every entry of the
 * common-password and common-word lists and their l33t, reversed and repeated forms is refused,
 * which is what NIST SP 800-63B §5.1.1.2 asks of a verifier ("passwords obtained from previous
 * breach corpuses, dictionary words, repetitive or sequential characters, context-specific
 * words"). Login attempts are limited as well (§5.2.2), so a score of 2 holds against online guessing.
 */
export const PASSWORD_MIN_SCORE = 2;

/** Words a shopper's password must not lean on besides their own email and name (NIST's "context-specific words"). */
const SHOP_WORDS = ['evermall'];

/** Why a password was refused, as a stable sub-code in the error's details. */
export type WeakPasswordReason = 'blank' | 'common' | 'personal' | 'repetitive' | 'guessable';

const MESSAGES: Record<WeakPasswordReason, string> = {
  blank: 'A password cannot be only spaces.',
  common: 'This password is one of the most common passwords (or close to one). Choose something less predictable, such as a few unrelated words.',
  personal: 'This password is built from your email, your name or the shop’s name. Choose something others cannot guess from them.',
  repetitive: 'This password repeats or follows a simple pattern (like aaaa, 1234 or qwerty). Choose something less predictable.',
  guessable: 'This password is too easy to guess. Make it longer, for example a few unrelated words.',
};

/** zxcvbn's warning keys, grouped into the reasons above. */
const REASON_BY_WARNING: Record<string, WeakPasswordReason> = {
  topTen: 'common',
  topHundred: 'common',
  common: 'common',
  similarToCommon: 'common',
  wordByItself: 'common',
  namesByThemselves: 'common',
  commonNames: 'common',
  pwned: 'common',
  userInputs: 'personal',
  simpleRepeat: 'repetitive',
  extendedRepeat: 'repetitive',
  sequences: 'repetitive',
  straightRow: 'repetitive',
  keyPattern: 'repetitive',
  recentYears: 'guessable',
  dates: 'guessable',
};

let checker: Promise<ZxcvbnFactory> | undefined;

/**
 * The dictionaries take several megabytes once loaded, so they are loaded on the first check,
 * once per process: an instance that never sees a password never holds them.
 */
function loadChecker(): Promise<ZxcvbnFactory> {
  checker ??= Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common')]).then(
    ([{ ZxcvbnFactory }, common]) => new ZxcvbnFactory({ dictionary: common.dictionary, graphs: common.adjacencyGraphs }),
  );
  return checker;
}

/** The reason a password is too weak to set, or undefined when it is fine. */
export async function weakPasswordReason(password: string, context: { email?: string; name?: string } = {}): Promise<WeakPasswordReason | undefined> {
  if (password.trim() === '') return 'blank';
  const personal = [...SHOP_WORDS];
  if (context.email) personal.push(context.email, context.email.split('@')[0] ?? '');
  if (context.name) personal.push(context.name, ...context.name.split(/\s+/));
  const result = (await loadChecker()).check(password, personal.filter(Boolean));
  if (result.score >= PASSWORD_MIN_SCORE) return undefined;
  return (result.feedback.warning && REASON_BY_WARNING[result.feedback.warning]) || 'guessable';
}

/** Throws 400 WEAK_PASSWORD, saying why, unless the password may be set. Every path that sets a password calls it. */
export async function assertStrongPassword(password: string, context: { email?: string; name?: string } = {}): Promise<void> {
  const reason = await weakPasswordReason(password, context);
  if (reason) throw badRequest('WEAK_PASSWORD', MESSAGES[reason], { reason });
}
