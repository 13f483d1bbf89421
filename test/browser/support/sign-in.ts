import type { Page } from 'playwright-core';

export interface Credentials {
  name: string;
  password: string;
}

/** Whether the server asks for sign-in (an older server has no auth routes; AUTH=disabled needs none). */
export async function signInRequired(baseUrl: string): Promise<boolean> {
  const res = await fetch(`${baseUrl}/api/auth/config`);
  if (res.status === 404) return false;
  const config = (await res.json()) as { authDisabled: boolean };
  return !config.authDisabled;
}

/** Signs in through the real login page and waits for the page it leads to. */
export async function signInThroughPage(page: Page, baseUrl: string, who: Credentials): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Name', { exact: true }).fill(who.name);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.user-menu summary', { hasText: who.name }).waitFor();
}
