// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { ko } from '@/lib/messages';
import { json, renderWithProviders } from '@/testing/render';
import { RegisterForm } from './login-form';

describe('registering', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('tells the shopper in a sentence why the shop refused a weak password', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json(400, { error: { code: 'WEAK_PASSWORD', message: 'This password is one of the most common passwords.', details: { reason: 'common' } } })),
    );
    renderWithProviders(<RegisterForm next={null} />);
    fireEvent.change(screen.getByLabelText('이름'), { target: { value: '김지우' } });
    fireEvent.change(screen.getByLabelText('이메일'), { target: { value: 'jiwoo@example.test' } });
    fireEvent.change(screen.getByLabelText(/^비밀번호/), { target: { value: '12345678' } });
    fireEvent.click(screen.getByRole('button', { name: '가입하기' }));
    expect((await screen.findByRole('alert')).textContent).toBe(ko['error.WEAK_PASSWORD']);
  });
});
