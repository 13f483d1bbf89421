import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, watchErrors } from '../browser/support/browser.ts';
import { signInThroughPage } from '../browser/support/sign-in.ts';
import { y4m } from '../browser/support/y4m.ts';
import { type IngestJson, TEST_ADMIN } from '../helpers/api-client.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { faceAlong, ScriptedEngine } from '../helpers/scripted-engine.ts';

// The built UI and Swagger UI under the server's real Content-Security-Policy in Chromium: the login page
// and every page behind it (the camera one with a fake webcam) render with no CSP violation and no
// console error.
const TIMEOUT = 30_000;

/** Records `securitypolicyviolation` events before any page script runs. */
const RECORD_VIOLATIONS = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
  });
`;

interface Findings {
  route: string;
  violations: string[];
  errors: string[];
}

describe.skipIf(!hasChromium())('the UI passes its Content-Security-Policy in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let dir: string;
  let photoId: string;
  let atLogin: Findings;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'faceflow-csp-'));
    server = await startTestServer({}, new ScriptedEngine(() => [faceAlong(0)]));
    const png = await sharp({ create: { width: 120, height: 100, channels: 3, background: '#a86' } })
      .png()
      .toBuffer();
    const up = await server.api.upload<IngestJson>('/api/images', [{ name: 'a.png', bytes: png }]);
    expect(up.status).toBe(201);
    photoId = up.body.images[0]?.id ?? '';
    await server.api.waitFor<{ status: string }>(`/api/images/${photoId}`, (b) => b.status === 'processed');
    const camera = path.join(dir, 'camera.y4m');
    const frame = new Uint8Array(320 * 240 * 3).fill(128);
    writeFileSync(camera, y4m({ width: 320, height: 240, data: frame }, 10, 5));
    browser = await launchChromium({ fakeCamera: camera });
    // One context for all pages: signed in once, through the login page (itself checked below).
    context = await browser.newContext();
    await context.addInitScript(RECORD_VIOLATIONS);
    atLogin = await visit('/login', (page) => signInThroughPage(page, server.api.baseUrl, TEST_ADMIN));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens `route` in the signed-in context, does `act`, and says what the page reported. */
  async function visit(route: string, act?: (page: Page) => Promise<void>): Promise<Findings> {
    const page = await context.newPage();
    try {
      const errors = watchErrors(page);
      const res = await page.goto(`${server.api.baseUrl}${route}`, { waitUntil: 'networkidle' });
      expect(res?.headers()['content-security-policy']).toBeTruthy();
      await act?.(page);
      await page.waitForTimeout(300);
      const violations = await page.evaluate(
        () => (window as unknown as { __cspViolations: string[] }).__cspViolations,
      );
      // Before signing in, the UI's probe of the session is answered 401, which Chromium logs.
      return {
        route,
        violations,
        errors: errors.filter((e) => !(route === '/login' && /status of 401/.test(e))),
      };
    } finally {
      await page.close();
    }
  }

  const clean = (route: string): Findings => ({ route, violations: [], errors: [] });
  const expectClean = async (route: string, act?: (page: Page) => Promise<void>) =>
    expect(await visit(route, act)).toEqual(clean(route));

  it('signs in through the login page without a violation', () => {
    expect(atLogin).toEqual(clean('/login'));
  });

  it('renders every page of the UI without a violation', { timeout: 120_000 }, async () => {
    for (const route of ['/', '/people', '/upload', '/system', `/photos/${photoId}`])
      await expectClean(route, (page) => page.locator('main h1').first().waitFor({ timeout: TIMEOUT }));
    await expectClean(`/photos/${photoId}`, (page) =>
      page.locator('main img').first().waitFor({ state: 'visible', timeout: TIMEOUT }),
    );
    // Two-factor enrolment draws its QR code on a canvas (no image URL for the policy to allow).
    await expectClean('/account', async (page) => {
      await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click({ timeout: TIMEOUT });
      await page.getByTestId('totp-qr').waitFor({ timeout: TIMEOUT });
    });
  });

  it('runs the camera page with a webcam stream and identify calls', async () => {
    await expectClean('/camera', async (page) => {
      await page.getByRole('button', { name: 'Start camera' }).click();
      await page.locator('video').waitFor({ timeout: TIMEOUT });
      await expect
        .poll(() => page.evaluate(() => document.querySelector('video')?.readyState ?? 0), {
          timeout: TIMEOUT,
        })
        .toBeGreaterThanOrEqual(2);
      await page.waitForTimeout(1000);
      await page.getByRole('button', { name: 'Stop camera' }).click();
    });
  });

  it('renders Swagger UI at /docs without a violation', async () => {
    await expectClean('/docs/', (page) =>
      page.locator('.swagger-ui .opblock').first().waitFor({ timeout: TIMEOUT }),
    );
  });
});
