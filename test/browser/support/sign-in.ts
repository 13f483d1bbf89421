import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../../support/shared-faces.ts';

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

/** `faceflow users create-admin --name … --password-stdin` on the server's DATA_DIR, as an operator would. */
export function createAdmin(env: Record<string, string>, who: Credentials): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'bin/faceflow.js'),
        'users',
        'create-admin',
        '--name',
        who.name,
        '--password-stdin',
      ],
      { cwd: REPO_ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`create-admin exited ${code}: ${output}`)),
    );
    child.stdin.end(`${who.password}\n`);
  });
}

/** An access token for the API calls a test makes beside the browser. */
export async function accessToken(baseUrl: string, who: Credentials): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(who),
  });
  if (!res.ok) throw new Error(`login as ${who.name}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** Signs in through the real login page and waits for the page it leads to. */
export async function signInThroughPage(page: Page, baseUrl: string, who: Credentials): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Name', { exact: true }).fill(who.name);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.user-menu summary', { hasText: who.name }).waitFor();
}
