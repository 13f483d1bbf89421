import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtpauthCodes } from '../../src/adapters/totp-otpauth/otpauth-codes.ts';
import { type ApiClient, TEST_ADMIN } from '../helpers/api-client.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { ScriptedEngine } from '../helpers/scripted-engine.ts';
import { hasChromium, launchChromium, screenshot, watchErrors } from './support/browser.ts';
import { signInThroughPage } from './support/sign-in.ts';

const TIMEOUT = 30_000;
const STEP_MS = 30_000;
const NINA = { name: 'nina', password: 'a-long-enough-password' };
const codes = new OtpauthCodes();

/**
 * Two-factor sign-in through the UI in Chromium: enrolment from the account menu (QR code, secret as text,
 * one confirming code, the ten recovery codes), sign-in that asks for the code, and the admin's user list
 * with the 2FA state and its reset. The codes are computed here from the secret the page shows.
 */
describe.skipIf(!hasChromium())('two-factor sign-in in the browser', () => {
  let server: TestServer;
  let admin: ApiClient;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    server = await startTestServer({}, new ScriptedEngine(() => []));
    admin = server.api;
    expect((await admin.json('POST', '/api/users', { ...NINA, role: 'editor' })).status).toBe(201);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.setDefaultTimeout(TIMEOUT);
    errors = watchErrors(page);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const openAccountMenu = () => page.locator('.user-menu summary').click();

  it('enrols from the account menu, then signs in with a code; the admin sees 2FA on and resets it', async () => {
    const base = server.running.url;
    await signInThroughPage(page, base, NINA);
    await openAccountMenu();
    await page.getByRole('link', { name: 'Two-factor sign-in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Two-factor sign-in' }).waitFor();
    expect(await page.getByTestId('totp-state').textContent()).toContain('off');
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();

    const secret = (await page.getByTestId('totp-secret').textContent()) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // The QR code is drawn: a square canvas with dark and light modules.
    const qr = await page.getByTestId('totp-qr').evaluate((canvas) => {
      const c = canvas as HTMLCanvasElement;
      const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let dark = 0;
      for (let i = 0; i < data.length; i += 4) if ((data[i] ?? 255) < 128) dark++;
      return { width: c.width, height: c.height, darkShare: dark / (data.length / 4) };
    });
    expect(qr.width).toBeGreaterThan(100);
    expect(qr.width).toBe(qr.height);
    expect(qr.darkShare).toBeGreaterThan(0.2);
    expect(qr.darkShare).toBeLessThan(0.8);
    await screenshot(page, 'totp-enrolment');

    const field = page.getByLabel('Code from the app');
    await field.fill('000000');
    await page.getByRole('button', { name: 'Turn on', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong or already used code' }).waitFor();
    await field.fill(codes.codeAt(secret, Date.now()));
    await page.getByRole('button', { name: 'Turn on', exact: true }).click();
    const recovery = page.getByTestId('recovery-codes').locator('li');
    await expect.poll(() => recovery.count()).toBe(10);
    const recoveryCodes = await recovery.allTextContents();
    expect(recoveryCodes.every((c) => /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/.test(c))).toBe(true);
    await screenshot(page, 'totp-recovery-codes');
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await expect
      .poll(() => page.getByTestId('totp-state').textContent())
      .toContain('Recovery codes left: 10');

    // Signed out, the login page asks for the code once the password was right.
    await openAccountMenu();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill(NINA.name);
    await page.getByLabel('Password', { exact: true }).fill(NINA.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const code = page.getByLabel('Code', { exact: true });
    await code.waitFor();
    await code.fill('000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByTestId('login-error').textContent()).toMatch(/Wrong or already used code/);
    // The code of the next step: later than the one that turned 2FA on, within the ±1 step window.
    await code.fill(codes.codeAt(secret, Date.now() + STEP_MS));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.user-menu summary', { hasText: NINA.name }).waitFor();
    await page.getByRole('heading', { level: 1, name: 'Photos' }).waitFor();

    // The admin's user list: nina has 2FA on; the reset turns it off (after the browser's confirmation).
    const adminPage = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    adminPage.setDefaultTimeout(TIMEOUT);
    const adminErrors = watchErrors(adminPage);
    await signInThroughPage(adminPage, base, TEST_ADMIN);
    await adminPage.goto(`${base}/admin`);
    const ninaRow = adminPage.locator('tr[data-user="nina"]');
    await expect.poll(() => ninaRow.getByTestId('user-totp').textContent()).toMatch(/^on/);
    expect(
      await adminPage.locator(`tr[data-user="${TEST_ADMIN.name}"]`).getByTestId('user-totp').textContent(),
    ).toBe('off');
    adminPage.once('dialog', (dialog) => void dialog.accept());
    await ninaRow.getByRole('button', { name: 'Reset 2FA of nina' }).click();
    await expect.poll(() => ninaRow.getByTestId('user-totp').textContent()).toBe('off');
    await screenshot(adminPage, 'totp-admin-reset');
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(NINA),
    });
    expect(login.status).toBe(200);
    // The refused attempts above answered 401, which the browser logs as failed loads; nothing else.
    expect([...errors, ...adminErrors].filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  });
});
