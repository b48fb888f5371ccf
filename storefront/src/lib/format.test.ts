import { describe, expect, it } from 'vitest';
import { formatDay, formatWon, interpolate } from './format';

describe('prices in won', () => {
  it('reads ₩12,900 in Korean and in English', () => {
    expect(formatWon(12900, 'ko')).toBe('₩12,900');
    expect(formatWon(12900, 'en')).toBe('₩12,900');
  });

  it('has no decimals and groups thousands', () => {
    expect(formatWon(0)).toBe('₩0');
    expect(formatWon(1234567)).toBe('₩1,234,567');
  });
});

describe('message placeholders', () => {
  it('fills known names and leaves unknown ones visible', () => {
    expect(interpolate('{n}개 남음', { n: 3 })).toBe('3개 남음');
    expect(interpolate('{a} {b}', { a: 'x' })).toBe('x {b}');
  });
});

describe('calendar days', () => {
  it('reads a day the same in every time zone, in Korean and in English', () => {
    expect(formatDay('2026-12-01', 'ko')).toBe('12월 1일');
    expect(formatDay('2026-12-01', 'en')).toBe('Dec 1');
    expect(formatDay('2026-01-01', 'ko')).toBe('1월 1일');
  });
});
