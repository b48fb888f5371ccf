import { randomBytes, randomUUID } from 'node:crypto';
import { connect, databaseRoles, provisionDatabaseRoles, type Sql } from '@evermall/shop';
import { CookieJar, PostgresServer, TOSS_STANDIN_CARDS, freePort, paymentWindowForm, startTossStandin, type TossStandin } from '@evermall/testkit';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, removeImage, type BuiltImage } from './image.js';
import { imageDirectories, imageUser } from './layout.js';
import { appDatabaseUrl, migrateWithImage, startShopContainer, type ShopContainer } from './shop-container.js';

/**
 * The shop's image built from this checkout and run with podman against a throwaway PostgreSQL and
 * the Toss Payments stand-in, both on loopback: it must come up healthy and take an order the way
 * a customer places one, as the service user on a read-only root file system.
 */
const say = (line: string) => process.stdout.write(`[image] ${line}\n`);

describe('the shop image', () => {
  let image: BuiltImage | undefined;
  let pg: PostgresServer | undefined;
  let standin: TossStandin | undefined;
  let shop: ShopContainer | undefined;
  let admin: Sql | undefined;
  let productId = 0;
  const passwords = { app: randomBytes(12).toString('hex'), migrator: randomBytes(12).toString('hex') };

  beforeAll(async () => {
    const started = Date.now();
    image = await buildImage({ progress: (line) => /^(\[|base image|debootstrap --|podman import|building|podman build|Successfully)/.test(line) && say(line) });
    say(`built ${image.tag} in ${((Date.now() - started) / 1000).toFixed(1)} s (${(image.sizeBytes / 1e6).toFixed(0)} MB, base ${image.baseBuilt ? 'made now' : 'reused'})`);

    pg = await PostgresServer.start();
    const superuser = postgres(pg.url(), { max: 1, onnotice: () => undefined });
    await superuser.unsafe('CREATE DATABASE evermall');
    await superuser.end();
    admin = connect(pg.url('evermall'), { max: 2 });
    // The deploy's order on AWS: roles by the master user, migrations as the migration role, then the fleet.
    await provisionDatabaseRoles(admin, passwords);
    migrateWithImage({
      image: image.tag,
      databaseUrl: appDatabaseUrl(pg.port, 'evermall', 'migrator'),
      credentials: { username: databaseRoles.migrator, password: passwords.migrator },
    });
    await admin`INSERT INTO categories (slug, name, name_en, position) VALUES ('shoes', '신발', 'Shoes', 0)`;
    const [product] = await admin<{ id: bigint | number }[]>`
      INSERT INTO products (sku, slug, name, name_en, description, price_won, category_id, stock)
      VALUES ('IMG-1', 'shoes-1', '신발 1', 'Shoes 1', 'Image test shoes', 39000, (SELECT id FROM categories WHERE slug = 'shoes'), 5)
      RETURNING id`;
    productId = Number(product!.id);

    standin = await startTossStandin();
    shop = startShopContainer({
      image: image.tag,
      port: await freePort(),
      databaseUrl: appDatabaseUrl(pg.port, 'evermall'),
      credentials: { username: databaseRoles.app, password: passwords.app },
      environment: {
        ZONE: 'container',
        SESSION_SECRET: randomBytes(32).toString('hex'),
        // Plain HTTP on loopback here; behind the ALB it is HTTPS and cookies are Secure.
        COOKIE_SECURE: 'false',
        // The drain is exercised by its own tests; here it only has to end with a clean exit.
        DRAIN_SECONDS: '1',
        PAYMENT_PROVIDER: 'toss',
        TOSS_API_URL: standin.url,
        TOSS_SDK_URL: standin.sdkUrl,
        TOSS_CLIENT_KEY: standin.clientKey,
        TOSS_SECRET_KEY: standin.secretKey,
      },
    });
    await waitForHealthz(shop);
    say(`${shop.name} answers /healthz at ${shop.baseUrl}`);
  });

  afterAll(async () => {
    const exitCode = shop?.stop();
    if (shop) say(`${shop.name} stopped with exit code ${exitCode}`);
    await admin?.end();
    await standin?.close();
    await pg?.stop();
    if (image) removeImage(image.tag);
    if (shop) expect(exitCode, 'a SIGTERM ends the shop gracefully (exit 0)').toBe(0);
  });

  it('carries the OCI labels and podman reports it healthy', () => {
    expect(image!.labels['org.opencontainers.image.version']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(image!.labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}(-dirty)?$|^unknown$/);
    expect(image!.labels['org.opencontainers.image.source']).toBeTruthy();
    expect(shop!.healthcheck()).toBe('healthy');
  });

  it('runs as the service user, with the root file system read-only and the service directories writable', () => {
    const node = `${imageDirectories.release}/runtime/node`;
    expect(shop!.exec(['id', '-u']).output.trim()).toBe(String(imageUser.uid));
    expect(shop!.exec([node, '--version']).output.trim()).toMatch(/^v24\./);
    expect(shop!.exec(['touch', `${imageDirectories.release}/x`]).status).not.toBe(0);
    expect(shop!.exec(['touch', '/etc/x']).status).not.toBe(0);
    for (const dir of [imageDirectories.state, imageDirectories.media, imageDirectories.logs, '/tmp']) {
      expect(shop!.exec(['touch', `${dir}/probe`]).status, `${dir} is writable`).toBe(0);
    }
    expect(shop!.exec(['touch', `${imageDirectories.secrets}/x`]).status, 'the secrets are read-only').not.toBe(0);
  });

  it('takes an order: register, cart, checkout, pay with Toss, confirm', async () => {
    const http = client(shop!.baseUrl);
    const password = `Evermall-${randomBytes(9).toString('base64url')}`;
    const register = await http.send('POST', '/api/auth/register', { email: `buyer-${randomUUID()}@example.test`, password, name: 'Container Buyer' });
    expect(register.status).toBe(201);
    expect((await http.send('POST', '/api/cart/items', { productId, quantity: 2 })).status).toBeLessThan(300);

    const checkout = await http.send(
      'POST',
      '/api/checkout',
      { shipping: { name: 'Container Buyer', phone: '010-0000-0000', address1: '1 Teheran-ro', postalCode: '06236', city: 'Seoul' }, payment: { provider: 'toss' } },
      { 'idempotency-key': randomUUID() },
    );
    expect(checkout.status).toBe(201);
    const order = orderOf(checkout.body);
    expect(order.status).toBe('pending_payment');
    const request = order.paymentRequest!;

    // The customer pays in the provider's window, which sends them back to the shop's success page.
    const back = `${shop!.baseUrl}/checkout/payment`;
    const pay = await fetch(new URL('/pay', request.sdkUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(paymentWindowForm(request, back, TOSS_STANDIN_CARDS.approve)),
      redirect: 'manual',
    });
    expect(pay.status).toBe(303);
    const success = new URL(pay.headers.get('location')!);
    const confirm = await http.send('POST', '/api/checkout/confirm', {
      paymentKey: success.searchParams.get('paymentKey'),
      orderId: success.searchParams.get('orderId'),
      amount: Number(success.searchParams.get('amount')),
    });
    expect(confirm.status).toBe(200);
    expect(orderOf(confirm.body).status).toBe('placed');

    const [row] = await admin!<{ status: string; stock: number }[]>`SELECT o.status, p.stock FROM orders o, products p WHERE o.id = ${Number(order.id)} AND p.id = ${productId}`;
    expect(row).toEqual({ status: 'placed', stock: 3 });
  });
});

interface OrderJson {
  id: number;
  status: string;
  paymentRequest?: { orderId: string; amountWon: number; orderName: string; clientKey: string; sdkUrl: string };
}

const orderOf = (body: unknown): OrderJson => {
  const o = body as OrderJson & { order?: OrderJson };
  return o.order ?? o;
};

/** A customer's HTTP client: JSON in and out, the session cookie kept between requests. */
function client(baseUrl: string) {
  const jar = new CookieJar();
  return {
    async send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
      const cookie = jar.header();
      const res = await fetch(new URL(path, baseUrl), {
        method,
        headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(cookie ? { cookie } : {}), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      jar.store(res.headers.getSetCookie());
      const text = await res.text();
      return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
    },
  };
}

/** Polls /healthz until it answers 200; fails with the container's log if it never does. */
async function waitForHealthz(shop: ShopContainer, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${shop.baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the shop container never answered /healthz; its log:\n${shop.logs().slice(-4000)}`);
}
