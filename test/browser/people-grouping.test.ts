import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type ApiClient,
  type ImageJson,
  type IngestJson,
  signInAsAdmin,
  TEST_ADMIN,
} from '../helpers/api-client.ts';
import { type ChildServer, killIfRunning, startChildServer } from '../helpers/child-server.ts';
import { lfw } from '../helpers/faces.ts';
import { describeWithFaces, REPO_ROOT } from '../support/shared-faces.ts';
import { CHROMIUM, hasChromium, launchChromium, SCREENSHOTS, watchErrors } from './support/browser.ts';
import { signInRequired, signInThroughPage } from './support/sign-in.ts';

// The grouping flow end to end (issue 16): photos of two people nobody enrolled are uploaded, the People page
// shows two suggested people without a reload, one is named there, and every photo of them shows the name
// (another open page included) without a reload. Real server, real engine, three lfw-dev photos each.
const TIMEOUT = 60_000;
const UNKNOWN = ['Annette_Lu', 'Bill_Simon'];
/** The README's People screenshot, refreshed by this test (small: a 760×520 viewport). */
const README_SCREENSHOT = path.join(REPO_ROOT, 'docs/images/people.png');

let dir: string;
let server: ChildServer;
let browser: Browser;
let page: Page;
let errors: string[];
let api: ApiClient | null = null;

describeWithFaces('grouping of unknown faces in Chromium', () => {
  beforeAll(async () => {
    if (!hasChromium())
      throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    dir = mkdtempSync(path.join(tmpdir(), 'faceflow-grouping-'));
    const env = { DATA_DIR: path.join(dir, 'data'), WORKER_CONCURRENCY: '1' };
    server = await startChildServer(env, ['all'], 120_000);
    if (await signInRequired(server.url)) api = await signInAsAdmin(server.url, env);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 760, height: 520 } });
    page.setDefaultTimeout(TIMEOUT);
    errors = watchErrors(page);
    if (api) await signInThroughPage(page, server.url, TEST_ADMIN);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await killIfRunning(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('upload two unknown people → two suggestions appear → name one → every photo of them is named, live', async () => {
    await page.goto(`${server.url}/people`);
    await page.getByRole('heading', { level: 1, name: 'People' }).waitFor();
    await page.locator('.live-live').waitFor();

    const files = UNKNOWN.flatMap((name) =>
      [1, 2, 3].map((n) => ({ name: `${name}_${n}.jpg`, bytes: lfw(name, n) })),
    );
    const form = new FormData();
    for (const f of files) form.append('file', new Blob([new Uint8Array(f.bytes)]), f.name);
    const res = await fetch(`${server.url}/api/images`, {
      method: 'POST',
      body: form,
      headers: api?.authHeaders(),
    });
    expect(res.status).toBe(201);
    const uploaded = ((await res.json()) as IngestJson).images;
    const first = uploaded.filter((i) => i.file.startsWith(UNKNOWN[0] as string));

    // The two suggestions appear on the open People page by themselves (events), three faces each.
    const suggestions = page.locator('[data-testid="people-suggested"] .suggestion-card');
    await expect.poll(() => suggestions.count(), { timeout: TIMEOUT }).toBe(2);
    await expect
      .poll(() => suggestions.locator('.muted').allTextContents())
      .toEqual(['3 photos', '3 photos']);
    await expect
      .poll(() =>
        suggestions
          .locator('img')
          .evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0)),
      )
      .toBe(true);

    // A photo of the first person open in another tab, still unnamed.
    const other = await browser.newPage({ storageState: await page.context().storageState() });
    other.setDefaultTimeout(TIMEOUT);
    await other.goto(`${server.url}/photos/${first[0]?.id}`);
    await other.locator('.live-live').waitFor();

    // Which card is the first person: the one whose cover face comes from one of their photos.
    const ids = new Set(first.map((i) => i.id));
    const cards = await suggestions.evaluateAll((els) =>
      els.map((el) => ({
        id: el.getAttribute('data-person-id'),
        src: el.querySelector('img')?.getAttribute('src'),
      })),
    );
    const card = cards.find((c) => [...ids].some((id) => c.src?.includes(encodeURIComponent(id))));
    expect(card).toBeDefined();
    const target = page.locator(`[data-person-id="${card?.id}"]`);
    await target.getByPlaceholder('Name this person').fill('Annette Lu');
    await target.getByRole('button', { name: 'Save' }).click();

    // Named: a person card now, the other suggestion left; every photo of her shows the name.
    await page.locator('[data-testid="people-named"] .person-card', { hasText: 'Annette Lu' }).waitFor();
    await expect.poll(() => suggestions.count()).toBe(1);
    await other.getByText('Annette Lu').first().waitFor();
    for (const image of first) {
      const detail = await fetch(`${server.url}/api/images/${image.id}`, { headers: api?.authHeaders() });
      expect(((await detail.json()) as ImageJson).people.map((p) => p.name)).toEqual(['Annette Lu']);
    }
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'people-grouping.png') });
    if (process.env.FACEFLOW_README_SCREENSHOTS)
      copyFileSync(path.join(SCREENSHOTS, 'people-grouping.png'), README_SCREENSHOT);
    await other.close();
    // As in web-ui.test.ts: the browser's own "Failed to load resource" lines (a 401 before the session is
    // renewed) are not page errors.
    expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  });
});
