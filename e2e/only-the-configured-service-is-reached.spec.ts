import { type Server, createServer } from 'node:http';
import { type Page, expect, test } from '@playwright/test';

/**
 * The page connects to its own origin and, when the organisation configured
 * one (keyward-service.json beside index.html), to that escrow service's
 * origin: nothing else, enforced by the Content Security Policy the boot
 * script adds before the app runs. Two servers that would answer any page
 * (CORS `*`) stand in for the service and for somewhere else.
 */
const KEY = `SHA256:${'0'.repeat(64)}`;

async function listening(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'application/json' });
    response.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return { server, origin: `http://127.0.0.1:${String(address.port)}` };
}

let service: { server: Server; origin: string };
let elsewhere: { server: Server; origin: string };
test.beforeAll(async () => {
  [service, elsewhere] = await Promise.all([listening(), listening()]);
});
test.afterAll(() => {
  service.server.close();
  elsewhere.server.close();
});

/** Fetches `url` from the page: "ok", or the directive that blocked it. */
async function reach(page: Page, url: string): Promise<string> {
  return page.evaluate(async (target) => {
    const blocked = new Promise<string>((resolve) => {
      document.addEventListener(
        'securitypolicyviolation',
        (event) => {
          resolve(`blocked by ${event.effectiveDirective}`);
        },
        { once: true },
      );
    });
    try {
      const response = await fetch(target);
      return ((await response.json()) as { ok?: unknown }).ok === true ? 'ok' : 'wrong answer';
    } catch {
      return blocked;
    }
  }, url);
}

const serveConfig = (page: Page, body: unknown) =>
  page.route('**/keyward-service.json', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) }));

test('with a configured service, the page reaches that origin and no other', async ({ page }) => {
  await serveConfig(page, { format: 'keyward-service-config/1', origin: service.origin, serviceKey: KEY });
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Welcome to Keyward' })).toBeVisible();
  expect(await reach(page, `${service.origin}/v1/service`)).toBe('ok');
  expect(await reach(page, `${elsewhere.origin}/v1/service`)).toBe('blocked by connect-src');
  await expect(page.locator('meta[data-keyward="connect"]')).toHaveAttribute('content', `default-src 'self'; connect-src 'self' ${service.origin}`);
});

for (const [what, absent] of [
  ['with the shipped configuration, which names no service', false],
  ['without a configuration file (404)', true],
] as const) {
  test(`${what}, every other origin is blocked`, async ({ page }) => {
    const requests: string[] = [];
    page.on('request', (request) => requests.push(new URL(request.url()).pathname));
    if (absent) await page.route('**/keyward-service.json', (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'none' }));
    const config = page.waitForResponse('**/keyward-service.json');
    await page.goto('/');
    const answer = await config;
    if (absent) expect(answer.status()).toBe(404);
    else expect(await answer.json()).toEqual({ format: 'keyward-service-config/1', origin: null, serviceKey: null });
    await expect(page.getByRole('heading', { name: 'Welcome to Keyward' })).toBeVisible();
    // The configuration was asked once, while loading; nothing of the service after.
    expect(requests.filter((path) => path === '/keyward-service.json')).toHaveLength(1);
    expect(await reach(page, `${service.origin}/v1/service`)).toBe('blocked by connect-src');
    expect(await reach(page, `${elsewhere.origin}/v1/service`)).toBe('blocked by connect-src');
    await expect(page.locator('meta[data-keyward="connect"]')).toHaveAttribute('content', "default-src 'self'; connect-src 'self'");
  });
}

test('a configuration whose origin would widen the policy is not used', async ({ page }) => {
  await serveConfig(page, { format: 'keyward-service-config/1', origin: `${service.origin} ${elsewhere.origin}`, serviceKey: KEY });
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Welcome to Keyward' })).toBeVisible();
  expect(await reach(page, `${elsewhere.origin}/v1/service`)).toBe('blocked by connect-src');
  expect(await reach(page, `${service.origin}/v1/service`)).toBe('blocked by connect-src');
  await expect(page.locator('meta[data-keyward="connect"]')).toHaveAttribute('content', "default-src 'self'; connect-src 'self'");
});

test('the configuration is kept for offline: reopened without a network, the page still allows only that service', async ({ page, context }) => {
  const config = { format: 'keyward-service-config/1', origin: service.origin, serviceKey: KEY };
  // On the context, so the service worker's own requests are answered too.
  await context.route('**/keyward-service.json', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(config) }));
  await page.goto('/');
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.reload(); // now through the service worker, which keeps the answer
  await expect(page.locator('meta[data-keyward="connect"]')).toHaveAttribute('content', `default-src 'self'; connect-src 'self' ${service.origin}`);

  await context.unrouteAll();
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Welcome to Keyward' })).toBeVisible();
  await expect(page.locator('meta[data-keyward="connect"]')).toHaveAttribute('content', `default-src 'self'; connect-src 'self' ${service.origin}`);
  expect(await reach(page, `${elsewhere.origin}/v1/service`)).toBe('blocked by connect-src');
});
