import { escapeHtml } from '../toss-standin/pay-page.js';

/** How a provider's pages look: the user pool's plain hosted sign-in, or the social IdP in Kakao's yellow so a journey (and a person) can see where the browser is. */
export interface PageBrand {
  /** 'Evermall user pool (stand-in)', 'Kakao (stand-in)'. */
  displayName: string;
  /** The sign-in page's heading: 'Sign in', '카카오로 로그인'. */
  heading: string;
  accent: string;
  onAccent: string;
}

export const USER_POOL_BRAND: PageBrand = { displayName: 'Evermall user pool (stand-in)', heading: 'Sign in', accent: '#232f3e', onAccent: '#ffffff' };

/** Kakao's login button colours: container #FEE500, label #000000 at 85% (developers.kakao.com/docs/latest/ko/kakaologin/design-guide). */
export function socialBrand(displayName: string): PageBrand {
  return { displayName, heading: '카카오로 로그인', accent: '#FEE500', onAccent: 'rgba(0,0,0,.85)' };
}

function style(brand: PageBrand): string {
  return `body{font-family:system-ui,sans-serif;background:#f2f4f6;margin:0;padding:2rem 1rem;color:#191f28}
header{max-width:24rem;margin:0 auto .8rem;padding:.7rem 1rem;border-radius:12px;background:${brand.accent};color:${brand.onAccent};font-weight:700}
main{max-width:24rem;margin:auto;background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.2rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .3rem}
input{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #d1d6db;border-radius:8px}
button{width:100%;margin-top:1rem;padding:.7rem;font-size:1rem;border:0;border-radius:8px;cursor:pointer;background:${brand.accent};color:${brand.onAccent}}
button.secondary{background:#e5e8eb;color:#191f28}.error{color:#d22030;font-weight:600}p.links{margin-top:1rem;text-align:center}`;
}

function page(brand: PageBrand, title: string, body: string): string {
  return `<!doctype html>
<html lang="ko">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · ${escapeHtml(brand.displayName)}</title><style>${style(brand)}</style></head>
<body><header>${escapeHtml(brand.displayName)}</header><main>
${body}
</main></body>
</html>
`;
}

function errorLine(error: string | undefined): string {
  return error ? `<p class="error" role="alert">${escapeHtml(error)}</p>\n` : '';
}

export interface SignInPage {
  uid: string;
  /** What the person signs in to: the relying party's client id. */
  clientId: string;
  error?: string;
  email?: string;
  /** The user pool's social providers, one "Continue with …" button each. */
  socialProviders?: string[];
  /** The social IdP's sign-up link. */
  signUp?: boolean;
}

/** Email, password, "Sign in"; then the social buttons or the sign-up link; "Cancel" ends the sign-in with access_denied. */
export function renderSignInPage(brand: PageBrand, view: SignInPage): string {
  const base = `/interaction/${encodeURIComponent(view.uid)}`;
  const social = (view.socialProviders ?? [])
    .map((name) => `<button type="submit" name="provider" value="${escapeHtml(name)}" form="federate" class="secondary">Continue with ${escapeHtml(name)}</button>`)
    .join('\n');
  return page(
    brand,
    brand.heading,
    `<h1>${escapeHtml(brand.heading)}</h1>
<p>to continue to <strong>${escapeHtml(view.clientId)}</strong></p>
${errorLine(view.error)}<form method="post" action="${base}/login">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(view.email ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
${social ? `<form id="federate" method="post" action="${base}/federate"></form>\n${social}\n` : ''}<form method="post" action="${base}/abort"><button type="submit" class="secondary">Cancel</button></form>
${view.signUp ? `<p class="links"><a href="${base}/signup">Create account</a></p>\n` : ''}`,
  );
}

export interface SignUpPage {
  uid: string;
  error?: string;
  email?: string;
  name?: string;
}

/** The social IdP's sign-up: email, name, password, "Create account"; the new account is signed in at once. */
export function renderSignUpPage(brand: PageBrand, view: SignUpPage): string {
  const base = `/interaction/${encodeURIComponent(view.uid)}`;
  return page(
    brand,
    'Create account',
    `<h1>Create account</h1>
${errorLine(view.error)}<form method="post" action="${base}/signup">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" required value="${escapeHtml(view.email ?? '')}">
<label for="name">Name</label>
<input id="name" name="name" autocomplete="name" required value="${escapeHtml(view.name ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required>
<button type="submit">Create account</button>
</form>
<p class="links"><a href="${base}">Back to sign in</a></p>
`,
  );
}

/** A sign-in that cannot go on (an expired interaction, a refused request): what happened, and where to start again. */
export function renderProblemPage(brand: PageBrand, title: string, detail: string): string {
  return page(brand, title, `<h1>${escapeHtml(title)}</h1>\n<p id="problem">${escapeHtml(detail)}</p>\n<p>Go back to the shop and sign in again.</p>\n`);
}

/**
 * RP-initiated logout's confirmation, submitted at once: Cognito's /logout signs out without
 * asking. `form` is oidc-provider's own form (id op.logoutForm, with its xsrf field).
 */
export function renderLogoutPage(brand: PageBrand, form: string): string {
  return page(
    brand,
    'Signing out',
    `<h1>Signing out…</h1>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" id="sign-out">Sign out</button>
<script>document.getElementById('op.logoutForm').requestSubmit(document.getElementById('sign-out'))</script>
`,
  );
}

export function renderSignedOutPage(brand: PageBrand): string {
  return page(brand, 'Signed out', '<h1>Signed out</h1>\n<p>You are signed out.</p>\n');
}
