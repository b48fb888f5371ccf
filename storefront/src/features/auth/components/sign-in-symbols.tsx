import type { ReactNode } from 'react';
import type { SignInProviderKey } from '@/lib/api-types';

/**
 * Each provider's symbol, inline (the storefront loads no images from elsewhere), drawn as its
 * brand guidelines show it on a login button: Kakao's speech bubble in black, NAVER's N in white,
 * Google's four-colour G, Facebook's f in a white circle. Decorative: the label names the button.
 */
export function SignInSymbol({ provider }: { provider: SignInProviderKey }) {
  return (
    <svg className="sign-in-symbol" viewBox={VIEW_BOXES[provider]} width="18" height="18" aria-hidden="true" focusable="false">
      {SYMBOLS[provider]}
    </svg>
  );
}

const VIEW_BOXES: Record<SignInProviderKey, string> = { kakao: '0 0 24 24', naver: '0 0 24 24', google: '0 0 48 48', facebook: '0 0 24 24' };

const SYMBOLS: Record<SignInProviderKey, ReactNode> = {
  kakao: (
    <path fill="#000000" d="M12 3C6.48 3 2 6.48 2 10.8c0 2.78 1.86 5.22 4.66 6.6l-.95 3.47c-.08.3.26.54.52.37l4.13-2.74c.54.06 1.08.1 1.64.1 5.52 0 10-3.48 10-7.8S17.52 3 12 3z" />
  ),
  naver: <path fill="#ffffff" d="M15.56 12.7 8.2 2H2v20h6.44V11.3L15.8 22H22V2h-6.44z" />,
  google: (
    <>
      <path fill="#EA4335" d="M24 9.5c3.54 0 6.71 1.22 9.21 3.6l6.85-6.85C35.9 2.38 30.47 0 24 0 14.62 0 6.51 5.38 2.56 13.22l7.98 6.19C12.43 13.72 17.74 9.5 24 9.5z" />
      <path fill="#4285F4" d="M46.98 24.55c0-1.57-.15-3.09-.38-4.55H24v9.02h12.94c-.58 2.96-2.26 5.48-4.78 7.18l7.73 6c4.51-4.18 7.09-10.36 7.09-17.65z" />
      <path fill="#FBBC05" d="M10.53 28.59c-.48-1.45-.76-2.99-.76-4.59s.27-3.14.76-4.59l-7.98-6.19C.92 16.46 0 20.12 0 24c0 3.88.92 7.54 2.56 10.78l7.97-6.19z" />
      <path fill="#34A853" d="M24 48c6.48 0 11.93-2.13 15.89-5.81l-7.73-6c-2.15 1.45-4.92 2.3-8.16 2.3-6.26 0-11.57-4.22-13.47-9.91l-7.98 6.19C6.51 42.62 14.62 48 24 48z" />
    </>
  ),
  facebook: (
    <>
      <circle cx="12" cy="12" r="12" fill="#ffffff" />
      <path
        fill="#1877F2"
        d="M16.67 15.47 17.2 12h-3.33V9.75c0-.95.47-1.87 1.96-1.87h1.51V4.92s-1.37-.23-2.69-.23c-2.74 0-4.53 1.66-4.53 4.66V12H7.08v3.47h3.04v8.39a12.1 12.1 0 0 0 3.75 0v-8.39z"
      />
    </>
  ),
};
