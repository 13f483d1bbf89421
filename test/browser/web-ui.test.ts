import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodePnm } from '../../src/engine/decode/pnm.ts';
import { type ApiClient, signInAsAdmin, TEST_ADMIN } from '../helpers/api-client.ts';
import { type ChildServer, startChildServer } from '../helpers/child-server.ts';
import { lfwUploads, orlPath } from '../helpers/faces.ts';
import { describeWithFaces } from '../support/shared-faces.ts';
import { CHROMIUM, hasChromium, launchChromium, screenshot, watchErrors } from './support/browser.ts';
import { signInRequired, signInThroughPage } from './support/sign-in.ts';
import { y4m } from './support/y4m.ts';

// The UI end to end: the real server (`faceflow all`, real engine, real SQLite) as a child process, driven
// through Debian's Chromium. ORL people as in the pipeline e2e test: the engine finds a face in every photo
// of subjects 5 and 6; on ORL's 92×112 greyscale photos (subjects 1–8) one person's photos lie at most 0.83
// apart (99 % under 0.75) and different people at least 0.85, hence a fixed MATCH_THRESHOLD of 0.7. Browsers cannot show PGM, so the
// photos are converted to PNG first.
const ALICE = 5;
const BOB = 6;
const STRANGER = 3;
const TIMEOUT = 60_000;
const MAX_UPLOAD_BYTES = 200_000;
/**
 * Two engine threads, as `npm start` has them on this 2-core machine (the "≥ 5 fps on this machine"):
 * with the fused descriptor a camera frame costs about 0.2 s of a thread, so one thread cannot give 5 frames
 * a second even with the batch held back (measured: 3.5–4.5 fps). The batch still fills both threads, and
 * the interactive lane must keep frames ahead of it. FACEFLOW_UI_ENGINE_THREADS=1 runs the one-thread case.
 */
const ENGINE_THREADS = process.env.FACEFLOW_UI_ENGINE_THREADS ?? '2';
/** The first admin, made with `faceflow users create-admin` as an operator would. */
const ADMIN = TEST_ADMIN;

let dir: string;
let server: ChildServer;
let browser: Browser;
let page: Page;
let errors: string[];
/** Whether the server asks for sign-in; then `admin` authenticates the test's own API calls. */
let auth = false;
let admin: ApiClient | null = null;

const authHeaders = (): Record<string, string> => admin?.authHeaders() ?? {};

/** A new page (own browser context) signed in as the main page is. */
async function newSignedInPage(on: Browser, viewport: { width: number; height: number }, isMobile = false) {
  const created = await on.newPage({ viewport, isMobile, storageState: await page.context().storageState() });
  created.setDefaultTimeout(TIMEOUT);
  return created;
}

/** An ORL photo (binary PGM, which sharp does not read) decoded by the engine's PNM reader, as sharp input. */
function orlImage(subject: number, k: number) {
  const image = decodePnm(new Uint8Array(readFileSync(orlPath(subject, k))), 1e6);
  return sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } });
}

async function orlPng(subject: number, k: number, name: string): Promise<string> {
  const file = path.join(dir, name);
  await orlImage(subject, k).png().toFile(file);
  return file;
}

/** A 320×240 fake-camera video: an ORL photo of `subject`, scaled ×2, on a grey background. */
async function cameraVideo(subject: number, k: number): Promise<string> {
  const width = 320;
  const height = 240;
  const face = await orlImage(subject, k).resize({ height: 224 }).png().toBuffer();
  const { data } = await sharp({
    create: { width, height, channels: 3, background: { r: 96, g: 96, b: 96 } },
  })
    .composite([{ input: face, gravity: 'center' }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const file = path.join(dir, 'camera.y4m');
  writeFileSync(file, y4m({ width, height, data: new Uint8Array(data) }, 10, 10));
  return file;
}

/** Drops files on an element the way a desktop drag and drop does (a DataTransfer with File objects). */
async function dropFiles(
  target: string,
  files: { name: string; subject: number; k: number }[],
): Promise<void> {
  const payload = await Promise.all(
    files.map(async (f) => ({
      name: f.name,
      base64: (await orlImage(f.subject, f.k).png().toBuffer()).toString('base64'),
    })),
  );
  await page.locator(target).evaluate((element, items) => {
    const transfer = new DataTransfer();
    for (const item of items) {
      const bytes = Uint8Array.from(atob(item.base64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], item.name, { type: 'image/png' }));
    }
    element.dispatchEvent(
      new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }),
    );
    element.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, payload);
}

async function api<T>(route: string): Promise<T> {
  const response = await fetch(`${server.url}${route}`, { headers: authHeaders() });
  expect(response.ok, `${route}: ${response.status}`).toBe(true);
  return (await response.json()) as T;
}

/** Follows a link of the main navigation (the page may have another link with the same name). */
function nav(name: string): Promise<void> {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
}

function row(file: string) {
  return page.locator('tbody tr', { has: page.getByRole('link', { name: file, exact: true }) });
}

async function createPersonAndEnrol(name: string, subject: number): Promise<string> {
  await nav('People');
  const input = page.getByLabel('Name of a new person');
  await input.fill(name);
  // Submitted with the keyboard: Enter in the field.
  await input.press('Enter');
  await page.getByRole('heading', { level: 1, name }).waitFor();
  const personId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
  await dropFiles('[data-testid="enrol-drop"]', [
    { name: `${name}-1.png`, subject, k: 1 },
    { name: `${name}-2.png`, subject, k: 2 },
    { name: `${name}-3.png`, subject, k: 3 },
  ]);
  await expect
    .poll(() => page.locator('.enrol-results li[data-state="enrolled"]').count(), { timeout: TIMEOUT })
    .toBe(3);
  await expect.poll(() => page.locator('main').textContent()).toContain('3 enrolled faces');
  // The faces enrolled from the dropped photos are shown (the photos themselves are not stored).
  const enrolled = page.locator('[data-testid="enrolled-faces"] li[data-source="upload"] img');
  await expect.poll(() => enrolled.count()).toBe(3);
  await expect
    .poll(() => enrolled.evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0)))
    .toBe(true);
  return personId;
}

describeWithFaces('web UI in Chromium against the real server', () => {
  const people: Record<string, string> = {};

  beforeAll(async () => {
    if (!hasChromium())
      throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    dir = mkdtempSync(path.join(tmpdir(), 'faceflow-web-'));
    mkdirSync(path.join(dir, 'imports'));
    const serverEnv = {
      DATA_DIR: path.join(dir, 'data'),
      MATCH_THRESHOLD: '0.7',
      WORKER_CONCURRENCY: '1',
      // One identify of the camera's frame takes ~0.15–0.2 s of a thread (two embeddings: the face and its
      // mirror image), so ≥ 5 a second needs the thread nearly to itself while the camera runs.
      ENGINE_THREADS,
      // Small enough that the test's noise photo is refused as too large.
      MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
      IMPORT_ROOTS: path.join(dir, 'imports'),
    };
    server = await startChildServer(serverEnv, ['all'], 120_000);
    auth = await signInRequired(server.url);
    // The first admin as an operator makes one (the setup link is tested on a server of its own).
    if (auth) admin = await signInAsAdmin(server.url, serverEnv);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(TIMEOUT);
    errors = watchErrors(page);
    // Every test starts signed in (the login test signs out first), so any one of them can run alone.
    if (auth) await signInThroughPage(page, server.url, ADMIN);
  });

  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signs in on the login page: a wrong password says so, the right one lands on Photos, sign out returns', async (ctx) => {
    if (!auth) ctx.skip();
    await page.context().clearCookies();
    // Leave the signed-in page first: its polls and event stream would otherwise answer inside the window below.
    await page.goto('about:blank');
    const answered: string[] = [];
    const onResponse = (r: { status(): number; url(): string; request(): { method(): string } }) =>
      answered.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`);
    page.on('response', onResponse);
    await page.goto(server.url);
    // Not signed in: the app sends the browser to the login page, remembering where it was going.
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    // A first visit asks nothing that answers 401 (each would be an error in the browser's console).
    page.off('response', onResponse);
    const apiCalls = answered.filter((line) => / \/api\//.test(line));
    expect(apiCalls.length).toBeGreaterThan(0);
    expect(apiCalls.filter((line) => !/^GET \/api\/auth\/config 200$/.test(line))).toEqual([]);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('Name', { exact: true }).fill(ADMIN.name);
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByTestId('login-error').textContent()).toBe('Wrong name or password.');
    await screenshot(page, 'login-error');

    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Password', { exact: true }).press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Photos' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    const menu = page.locator('.user-menu summary');
    expect(await menu.textContent()).toBe(`${ADMIN.name} admin`);
    await page.locator('.live-live').waitFor();

    // The user menu works with the keyboard: open it, sign out.
    await menu.focus();
    await page.keyboard.press('Enter');
    await screenshot(page, 'user-menu');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    // Signed out means signed out: the API refuses the browser's old session.
    await page.goto(`${server.url}/people`);
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    expect(new URL(page.url()).searchParams.get('next')).toBe('/people');
    await screenshot(page, 'login');
    await signInThroughPage(page, server.url, ADMIN);
  });

  it('creates two people on the People page and enrols them by dropping photos on their page', async () => {
    await page.goto(server.url);
    await page.getByRole('heading', { level: 1, name: 'Photos' }).waitFor();
    await page.locator('.live-live').waitFor();
    people.Alice = await createPersonAndEnrol('Alice', ALICE);
    await screenshot(page, 'person-enrolled');
    people.Bob = await createPersonAndEnrol('Bob', BOB);
    await nav('People');
    await expect.poll(() => page.locator('.person-card').count()).toBe(2);
    await screenshot(page, 'people');
    const listed = await api<{ people: { name: string; enrolledFaces: number }[] }>('/api/people');
    expect(listed.people.map((p) => [p.name, p.enrolledFaces]).sort()).toEqual([
      ['Alice', 3],
      ['Bob', 3],
    ]);
  });

  it('uploads photos on the Upload page; their rows go to Processed with the right names, live', async () => {
    const files = [
      await orlPng(ALICE, 4, 'alice-4.png'),
      await orlPng(BOB, 4, 'bob-4.png'),
      await orlPng(ALICE, 5, 'alice-5.png'),
      await orlPng(STRANGER, 1, 'stranger-3-1.png'),
    ];
    const notImage = path.join(dir, 'notes.txt');
    writeFileSync(notImage, 'this is not a photo\n');
    // Random noise does not compress: a PNG well over MAX_UPLOAD_BYTES.
    const tooLarge = path.join(dir, 'huge.png');
    const noise = Buffer.from(Array.from({ length: 400 * 400 * 3 }, () => Math.floor(Math.random() * 256)));
    await sharp(noise, { raw: { width: 400, height: 400, channels: 3 } })
      .png()
      .toFile(tooLarge);

    await nav('Upload');
    await page.getByLabel('Choose files…').setInputFiles([...files, notImage, tooLarge]);
    await expect
      .poll(() => page.locator('.upload-item[data-state="queued"]').count(), { timeout: TIMEOUT })
      .toBe(4);
    const rejected = page.locator('.upload-item[data-state="rejected"]');
    await expect.poll(() => rejected.count()).toBe(2);
    expect(await rejected.filter({ hasText: 'notes.txt' }).textContent()).toMatch(
      /Rejected: Not an image faceflow can read/,
    );
    expect(await rejected.filter({ hasText: 'huge.png' }).textContent()).toMatch(/Rejected: File too large/);
    expect(await page.getByTestId('upload-summary').textContent()).toContain('4 uploaded, 2 rejected');
    await screenshot(page, 'upload');

    // The Upload page follows each photo until it is processed, from the event stream.
    const live = page.locator('.upload-item[data-state="queued"] .live-status');
    await expect
      .poll(() => live.evaluateAll((els) => els.map((e) => e.getAttribute('data-status'))), {
        timeout: TIMEOUT,
      })
      .toEqual(['processed', 'processed', 'processed', 'processed']);
    await expect
      .poll(
        () => page.locator('.upload-item', { hasText: 'bob-4.png' }).locator('.live-status').textContent(),
        {
          timeout: TIMEOUT,
        },
      )
      .toMatch(/1 face: Bob/);

    // No reload from here on: the rows change from the event stream.
    await page.getByRole('link', { name: 'See them in Photos' }).click();
    for (const [file, name] of [
      ['alice-4.png', 'Alice'],
      ['bob-4.png', 'Bob'],
      ['alice-5.png', 'Alice'],
    ] as const) {
      await expect.poll(() => row(file).getAttribute('data-status'), { timeout: TIMEOUT }).toBe('processed');
      await expect
        .poll(() => row(file).locator('.cell-people').textContent(), { timeout: TIMEOUT })
        .toBe(name);
      expect(await row(file).locator('.badge').textContent()).toBe('Processed');
    }
    await expect
      .poll(() => row('stranger-3-1.png').locator('.cell-people').textContent(), { timeout: TIMEOUT })
      .toBe('1 unknown');
    await expect.poll(() => page.locator('[data-status-count="processed"] .count').textContent()).toBe('4');

    // Filter by person: only Alice's two photos.
    await page.getByLabel('Person', { exact: true }).selectOption({ label: 'Alice' });
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
    await page.getByLabel('Person', { exact: true }).selectOption({ label: 'Anyone' });
    // Search by name runs on the server, over every photo; the counts follow it.
    await page.getByLabel('Search by file name').fill('ALICE');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
    await expect.poll(() => page.locator('[data-status-count="processed"] .count').textContent()).toBe('2');
    await page.getByLabel('Search by file name').fill('bob');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Search by file name').fill('');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(4);
    await screenshot(page, 'photos');

    // Filters live in the URL: a reload and Back from a photo keep them. One status filter, not two.
    expect(await page.getByLabel('Status', { exact: true }).count()).toBe(0);
    await page.getByLabel('Person', { exact: true }).selectOption({ label: 'Alice' });
    await page.locator('[data-status-count="processed"]').click();
    await page.getByLabel('Search by file name').fill('alice-4');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('alice-4');
    await page.reload();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    expect(await page.getByLabel('Search by file name').inputValue()).toBe('alice-4');
    expect(await page.locator('[data-status-count="processed"]').getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('button', { name: 'Grid' }).click();
    await expect.poll(() => page.locator('.photo-grid li').count()).toBe(1);
    await page.locator('.photo-grid').getByRole('link', { name: 'alice-4.png' }).click();
    await page.getByRole('heading', { level: 1, name: 'alice-4.png' }).waitFor();
    await page.goBack();
    await expect.poll(() => page.locator('.photo-grid li').count()).toBe(1);
    expect(await page.getByLabel('Person', { exact: true }).inputValue()).toBe(people.Alice);
    const search = new URL(page.url()).searchParams;
    expect([search.get('person'), search.get('status'), search.get('view')]).toEqual([
      people.Alice,
      'processed',
      'grid',
    ]);
    await nav('Photos');
    await page.getByRole('button', { name: 'Grid' }).click();
    await expect.poll(() => page.locator('.photo-grid li').count()).toBe(4);
    await expect
      .poll(() =>
        page
          .locator('.photo-grid img')
          .evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0)),
      )
      .toBe(true);
    await screenshot(page, 'photos-grid');
    await page.getByRole('button', { name: 'Table' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(4);
  });

  it('fits a phone-width screen', async () => {
    const phone = await newSignedInPage(browser, { width: 375, height: 740 }, true);
    try {
      for (const route of [
        '/',
        '/people',
        '/upload',
        '/camera',
        '/system',
        ...(auth ? ['/admin', '/login'] : []),
      ]) {
        await phone.goto(`${server.url}${route}`);
        await phone.locator('main h1').waitFor();
        await phone.waitForLoadState('networkidle').catch(() => undefined);
        const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${route} scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(0);
      }
      await phone.goto(server.url);
      await phone.locator('tbody tr').first().waitFor();
      await screenshot(phone, 'photos-phone');
    } finally {
      await phone.close();
    }
  });

  it('opens a photo, names its unknown face as a new person, and that person lists the photo', async () => {
    await page.goto(server.url);
    await row('stranger-3-1.png').getByRole('link', { name: 'stranger-3-1.png' }).click();
    await page.getByRole('heading', { level: 1, name: 'stranger-3-1.png' }).waitFor();
    await page.getByText('Face 1: unknown').waitFor();
    // The photo is shown from its JPEG preview, at its own size (92×112: never enlarged on the server).
    await expect
      .poll(() => page.locator('.photo-stage img').evaluate((img: HTMLImageElement) => img.naturalWidth))
      .toBe(92);
    // Click the box drawn over the photo.
    await page.locator('svg.face-boxes g.face-unknown').click();
    await page.getByLabel('New person').fill('Carol');
    await page.getByRole('button', { name: 'Create and assign' }).click();
    await page.locator('.face-item', { hasText: 'Carol' }).waitFor();
    expect(await page.locator('svg.face-boxes text').textContent()).toBe('1: Carol');
    await screenshot(page, 'photo');

    await page.locator('.face-item').getByRole('link', { name: /Carol/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Carol' }).waitFor();
    await expect
      .poll(() => page.getByTestId('person-photos').textContent(), { timeout: TIMEOUT })
      .toContain('stranger-3-1.png');
    // Named with "also enrol" ticked: her enrolled face is the one from this photo.
    await expect
      .poll(() => page.locator('[data-testid="enrolled-faces"] li[data-source="photo"] img').count())
      .toBe(1);
    await screenshot(page, 'person');

    // Rename her; the photo list follows.
    await page.locator('.card-actions').getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('New name for Carol').fill('Carol Smith');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { level: 1, name: 'Carol Smith' }).waitFor();
    await nav('Photos');
    await expect
      .poll(() => row('stranger-3-1.png').locator('.cell-people').textContent(), { timeout: TIMEOUT })
      .toBe('Carol Smith');
  });

  it('deletes a person after a confirmation that counts their photos; none of them shows that person any more', async () => {
    await nav('People');
    const card = page.locator('.person-card', { hasText: 'Bob' });
    await card.getByRole('button', { name: 'Delete Bob' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Bob?' });
    await expect
      .poll(() => dialog.getByTestId('delete-impact').textContent())
      .toMatch(/^1 photo will be re-identified/);
    await screenshot(page, 'people-delete-confirm');
    await dialog.getByRole('button', { name: 'Delete Bob' }).click();
    await expect.poll(() => page.locator('.person-card').count()).toBe(2);
    expect(await page.locator('.people-grid').textContent()).not.toContain('Bob');

    await nav('Photos');
    await expect
      .poll(() => row('bob-4.png').locator('.cell-people').textContent(), { timeout: TIMEOUT })
      .toBe('1 unknown');
    expect(await page.locator('tbody').textContent()).not.toContain('Bob');
    const bobPhoto = await row('bob-4.png').getAttribute('data-image-id');
    const detail = await api<{ faces: { person: unknown }[]; people: unknown[] }>(`/api/images/${bobPhoto}`);
    expect(detail.people).toEqual([]);
    expect(detail.faces.map((f) => f.person)).toEqual([null]);
  });

  it('shows the System page: photo counts, queue, engine threads and the throughput chart', async () => {
    await nav('System');
    await expect.poll(() => page.getByTestId('system-processed').textContent()).toBe('4');
    expect(await page.getByTestId('engine-busy').textContent()).toMatch(
      new RegExp(`^\\d+ of ${ENGINE_THREADS}$`),
    );
    expect(await page.getByTestId('queue-ready').textContent()).toMatch(/^\d+$/);
    expect(await page.getByTestId('throughput-summary').textContent()).toMatch(
      /4 photos processed and 0 failed in the last 10 minutes/,
    );
    expect(await page.locator('.chart-bar').count()).toBe(60);
    // Files refused at upload are listed with the recent failures, in the user's words.
    const refused = page.locator('[data-testid="recent-failures"] tr[data-kind="rejected"]');
    await expect.poll(() => refused.count()).toBe(2);
    expect(await refused.filter({ hasText: 'notes.txt' }).textContent()).toMatch(/Rejected at upload/);
    expect(await page.getByTestId('recent-failures').textContent()).not.toMatch(/invalid_image|vips/i);

    // A batch job (dataset averages over a folder per person) shows up with its progress and, once done,
    // its result.
    const set = path.join(dir, 'imports', 'set');
    for (const subject of [ALICE, BOB]) {
      mkdirSync(path.join(set, `s${subject}`), { recursive: true });
      for (const k of [6, 7, 8])
        await orlPng(subject, k, path.join('imports', 'set', `s${subject}`, `${k}.png`));
    }
    const started = await fetch(`${server.url}/api/jobs/average`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authHeaders() },
      body: JSON.stringify({ path: set }),
    });
    expect(started.status, await started.clone().text()).toBe(202);
    const job = (await started.json()) as { id: string };
    const jobRow = page.locator(`tr[data-job-id="${job.id}"]`);
    await expect.poll(() => jobRow.textContent(), { timeout: TIMEOUT }).toMatch(/average: done/);
    expect(await jobRow.textContent()).toContain('6 / 6');
    expect(await jobRow.getByRole('link', { name: /Result/ }).getAttribute('href')).toBe(
      `/api/jobs/${job.id}/result.json`,
    );
    await screenshot(page, 'system');
  });

  it('works with the keyboard and labels every control for screen readers', async () => {
    await page.goto(server.url);
    await page.locator('main h1').waitFor();
    const focused = () =>
      page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent);
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await focused()).toBe('main');

    // Following a link moves focus to the new page and names it in the title, as a page load would.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'People', exact: true })
      .focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'People' }).waitFor();
    expect(await focused()).toBe('main');
    expect(await page.title()).toBe('People · faceflow');

    // The confirmation is a modal dialog: Escape cancels it and nothing is deleted.
    await page
      .locator('.person-card', { hasText: 'Alice' })
      .getByRole('button', { name: 'Delete Alice' })
      .focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Delete Alice?' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.locator('.person-card').count()).toBe(2);

    for (const route of ['/', '/people', '/upload', '/camera', '/system', ...(auth ? ['/admin'] : [])]) {
      await page.goto(`${server.url}${route}`);
      await page.locator('main h1').waitFor();
      const unlabelled = await page.evaluate(() =>
        [...document.querySelectorAll('input, select, textarea, button, a[href]')]
          .filter((el) => {
            const labels = (el as HTMLInputElement).labels;
            const text = (el.textContent ?? '').trim() || el.getAttribute('aria-label');
            return !(labels && labels.length > 0) && !text;
          })
          .map((el) => el.outerHTML.slice(0, 120)),
      );
      expect(unlabelled, route).toEqual([]);
    }
  });

  it('lets an admin add a viewer and an API key (shown once, revocable); a viewer sees no write action', async (ctx) => {
    if (!auth) ctx.skip();
    await nav('Admin');
    await page.getByRole('heading', { level: 1, name: 'Users and keys' }).waitFor();
    await page.getByLabel('Name of a new user').fill('vera');
    await page.getByLabel('Their password').fill('viewer password 123');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.locator('tr[data-user="vera"]').waitFor();

    // No key yet: the section says so rather than showing an empty table.
    expect(await page.getByTestId('no-keys').textContent()).toMatch(/^No API keys yet/);
    await page.getByLabel('Name of a new key').fill('backup-script');
    await page.getByLabel('Key role').selectOption('viewer');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByTestId('new-key');
    await shown.waitFor();
    const key = await shown.getByLabel('The new API key').inputValue();
    expect(key).toMatch(/^ffk_/);
    await screenshot(page, 'admin');
    const withKey = () => fetch(`${server.url}/api/people`, { headers: { 'x-api-key': key } });
    expect((await withKey()).status).toBe(200);
    await shown.getByRole('button', { name: 'Done' }).click();
    // Shown once: gone from the page, and the list never holds it.
    expect(await page.locator('main').textContent()).not.toContain(key);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Revoke backup-script' }).click();
    await expect.poll(() => page.locator('tr[data-key="backup-script"]').textContent()).toMatch(/revoked/);
    expect((await withKey()).status).toBe(401);

    // The viewer reads everything but is offered no change.
    const viewer = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    viewer.setDefaultTimeout(TIMEOUT);
    try {
      await signInThroughPage(viewer, server.url, { name: 'vera', password: 'viewer password 123' });
      expect(await viewer.locator('.user-menu summary').textContent()).toBe('vera viewer');
      const links = await viewer
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link')
        .allTextContents();
      expect(links).toEqual(['Photos', 'People', 'System']);
      await viewer.goto(`${server.url}/people`);
      await viewer.locator('.person-card').first().waitFor();
      expect(await viewer.getByLabel('Name of a new person').count()).toBe(0);
      expect(await viewer.getByRole('button', { name: /^(Rename|Delete)/ }).count()).toBe(0);
      await viewer.locator('.person-card h2 a').first().click();
      await viewer.getByRole('heading', { level: 2, name: 'Enrolled faces' }).waitFor();
      expect(await viewer.getByTestId('enrol-drop').count()).toBe(0);
      await screenshot(viewer, 'person-viewer');
    } finally {
      await viewer.close();
    }
  });

  it('says clearly when there is no camera to use', async () => {
    await nav('Camera');
    await page.getByRole('button', { name: 'Start camera' }).click();
    const message = await page.getByTestId('camera-error').textContent();
    expect(message).toMatch(/Camera access was refused|No camera was found/);
    await screenshot(page, 'camera-refused');
  });

  it('recognises an enrolled person on the live camera within 5 s, at ≥ 5 fps, while a batch keeps the workers busy', async () => {
    const video = await cameraVideo(ALICE, 9);
    // The batch: 200 photos at once; the worker takes them one after the other on the engine's batch lane.
    // On ONNX Runtime 40 photos were done before the camera reached 5 fps in CI, so the batch is sized to
    // outlast the camera's start and its rate reads on a fast machine too.
    const failedBefore =
      (await api<{ counts: Record<string, number> }>('/api/images/counts')).counts.failed ?? 0;
    const form = new FormData();
    for (const f of lfwUploads(100, 200)) form.append('file', new Blob([new Uint8Array(f.bytes)]), f.name);
    const uploaded = await fetch(`${server.url}/api/images`, {
      method: 'POST',
      body: form,
      headers: authHeaders(),
    });
    expect(uploaded.status).toBe(201);
    const batch = ((await uploaded.json()) as { images: { id: string }[] }).images.map((i) => i.id);
    const waiting = async () => {
      const { counts } = await api<{ counts: Record<string, number> }>('/api/images/counts');
      return (counts.pending ?? 0) + (counts.processing ?? 0);
    };
    const cameraBrowser = await launchChromium({ fakeCamera: video });
    try {
      const cam = await cameraBrowser.newPage({
        viewport: { width: 1000, height: 900 },
        storageState: await page.context().storageState(),
      });
      const camErrors = watchErrors(cam);
      await cam.goto(`${server.url}/camera`);
      // Nothing measured before Start: no "0.0 fps".
      expect(await cam.getByTestId('camera-rate').textContent()).toBe('—');
      const started = Date.now();
      await cam.getByRole('button', { name: 'Start camera' }).click();
      await expect.poll(() => cam.getByTestId('camera-names').textContent(), { timeout: 5000 }).toBe('Alice');
      const seconds = (Date.now() - started) / 1000;
      // The page shows the frames it drew over its last 2 s; read it until it reaches 5 a second (a burst of
      // load from elsewhere on the machine may hold it down for a moment), for at most 15 s, then a few more.
      const rates: number[] = [];
      const read = async () => {
        await cam.waitForTimeout(500);
        rates.push(Number(await cam.getByTestId('camera-rate').getAttribute('data-fps')));
        return rates.at(-1) ?? 0;
      };
      const deadline = Date.now() + 15_000;
      while ((await read()) < 5 && Date.now() < deadline);
      // Counted as soon as the rate reached 5 fps, while the batch is still on the workers.
      const left = await waiting();
      for (let i = 0; i < 4; i++) await read();
      console.log(
        `camera (ENGINE_THREADS=${ENGINE_THREADS}, batch of 200 running): name shown after ${seconds.toFixed(1)} s; fps read every 0.5 s: ${rates.join(', ')}; batch photos still waiting: ${left}`,
      );
      expect(Math.max(...rates)).toBeGreaterThanOrEqual(5);
      // The batch was still running when the frame rate reached 5 fps.
      expect(left).toBeGreaterThan(0);
      expect(await cam.getByTestId('camera-rate').textContent()).toMatch(/^\d+\.\d fps$/);
      await screenshot(cam, 'camera');
      await cam.getByRole('button', { name: 'Stop camera' }).click();
      expect(await cam.getByTestId('camera-names').textContent()).toBe('—');
      // Stopped: no stale figures.
      expect(await cam.getByTestId('camera-rate').textContent()).toBe('—');
      expect(await cam.getByTestId('camera-latency').textContent()).toBe('—');
      expect(camErrors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
      // The camera took nothing from the batch: every photo of it is done, none failed.
      await expect.poll(waiting, { timeout: 180_000, interval: 1000 }).toBe(0);
      const { counts } = await api<{ counts: Record<string, number> }>('/api/images/counts');
      expect(counts.failed ?? 0).toBe(failedBefore);
      // The batch goes again, so the later tests see the photos and people they made themselves.
      for (const id of batch) {
        const deleted = await fetch(`${server.url}/api/images/${id}`, {
          method: 'DELETE',
          headers: authHeaders(),
        });
        expect(deleted.status).toBe(204);
      }
    } finally {
      await cameraBrowser.close();
    }
  });

  it('sets up the first administrator through the setup link the server prints, and signs them in', async (ctx) => {
    if (!auth) ctx.skip();
    // A server of its own: the setup link exists only while nobody can sign in.
    const fresh = await startChildServer(
      { DATA_DIR: path.join(dir, 'fresh'), WORKER_CONCURRENCY: '0', ENGINE_THREADS: '1' },
      ['all'],
      120_000,
    );
    const setupPage = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    setupPage.setDefaultTimeout(TIMEOUT);
    try {
      const link = /(http\S+\/setup#token=[\w.~-]+)/.exec(fresh.output())?.[1];
      expect(link, fresh.output()).toBeDefined();
      // Without the link: the login page says that no administrator exists yet.
      await setupPage.goto(fresh.url);
      await setupPage.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
      await setupPage.getByText('No administrator exists yet').waitFor();

      await setupPage.goto(link as string);
      await setupPage.getByRole('heading', { level: 1, name: 'Set up faceflow' }).waitFor();
      // The one-time token leaves the address bar (and the history) at once.
      expect(new URL(setupPage.url()).hash).toBe('');
      // The name the page suggests: "admin", whose role is admin too.
      expect(await setupPage.getByLabel('Administrator name').inputValue()).toBe('admin');
      await setupPage.getByLabel('Password', { exact: true }).fill('short');
      await setupPage.getByLabel('Password again').fill('short');
      await setupPage.getByRole('button', { name: 'Create administrator and sign in' }).click();
      // The field itself is marked, and the rule is said once (the error takes the hint's place).
      const passwordField = setupPage.getByLabel('Password', { exact: true });
      expect(await passwordField.getAttribute('aria-invalid')).toBe('true');
      const described = await passwordField.getAttribute('aria-describedby');
      expect(await setupPage.locator(`[id="${described}"]`).textContent()).toBe(
        'Too short: 5 of at least 12 characters.',
      );
      expect(await setupPage.getByText(/12 characters/).count()).toBe(1);
      expect(await setupPage.getByTestId('setup-error').count()).toBe(0);
      await setupPage.getByLabel('Password', { exact: true }).fill('a long enough password');
      await setupPage.getByLabel('Password again').fill('a long enough password');
      await screenshot(setupPage, 'setup');
      await setupPage.getByRole('button', { name: 'Create administrator and sign in' }).click();
      await setupPage.getByRole('heading', { level: 1, name: 'Photos' }).waitFor();
      // "admin admin" read as a stutter: the role badge shows only when it says something the name does not.
      expect(await setupPage.locator('.user-menu summary').textContent()).toBe('admin');

      // The link worked once: a second use is refused.
      await setupPage.goto(link as string);
      await setupPage.getByLabel('Password', { exact: true }).fill('another long password');
      await setupPage.getByLabel('Password again').fill('another long password');
      await setupPage.getByRole('button', { name: 'Create administrator and sign in' }).click();
      await setupPage.getByTestId('setup-error').waitFor();
    } finally {
      await setupPage.close();
      fresh.child.kill('SIGTERM');
      await fresh.exited;
    }
  });

  it('says plainly on every page when sign-in is turned off (AUTH=disabled)', async () => {
    const open = await startChildServer(
      { DATA_DIR: path.join(dir, 'open'), WORKER_CONCURRENCY: '0', ENGINE_THREADS: '1', AUTH: 'disabled' },
      ['all'],
      120_000,
    );
    const local = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    local.setDefaultTimeout(TIMEOUT);
    try {
      await local.goto(open.url);
      await local.getByRole('heading', { level: 1, name: 'Photos' }).waitFor();
      expect(await local.getByTestId('auth-disabled').textContent()).toMatch(
        /^Sign-in is turned off \(AUTH=disabled\)/,
      );
      // Everyone is the local operator: every action, no user menu, no users to manage.
      expect(await local.locator('.user-menu').count()).toBe(0);
      const links = await local.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
      expect(links).toEqual(['Photos', 'People', 'Upload', 'Camera', 'System']);
      await screenshot(local, 'auth-disabled');
      // Nothing processed yet: the throughput chart makes up no scale ("peak 0.1 photos/s").
      await local.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'System' }).click();
      expect(await local.getByTestId('throughput-summary').textContent()).toBe(
        'No photo was processed in the last 10 minutes.',
      );
      expect(await local.getByTestId('throughput-peak').count()).toBe(0);
    } finally {
      await local.close();
      open.child.kill('SIGTERM');
      await open.exited;
    }
  });

  it('forgets a person with their photos when the operator ticks "also delete every photo"', async () => {
    const found = await api<{ images: { id: string }[] }>('/api/images?q=stranger-3-1.png');
    expect(found.images).toHaveLength(1);
    const carolPhoto = found.images[0]?.id;
    await nav('People');
    const card = page.locator('.person-card', { hasText: 'Carol Smith' });
    await card.getByRole('button', { name: 'Delete Carol Smith' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Carol Smith?' });
    await expect
      .poll(() => dialog.getByTestId('delete-impact').textContent())
      .toMatch(/^1 photo will be re-identified/);
    await dialog.getByLabel('Also delete every photo they appear in').check();
    expect(await dialog.getByTestId('delete-impact').textContent()).toMatch(
      /^1 photo will be deleted, with every face in them/,
    );
    await screenshot(page, 'people-delete-purge');
    await dialog.getByRole('button', { name: 'Delete Carol Smith' }).click();
    await expect.poll(() => page.locator('.people-grid').textContent()).not.toContain('Carol Smith');
    expect((await api<{ images: unknown[] }>('/api/images?q=stranger-3-1.png')).images).toEqual([]);
    const gone = await fetch(`${server.url}/api/images/${carolPhoto}`, { headers: authHeaders() });
    expect(gone.status).toBe(404);
  });

  it('deletes a photo after a confirmation; an open Photos list drops it without a reload', async () => {
    const [target] = (await api<{ images: { id: string }[] }>('/api/images?q=bob-4.png')).images;
    const other = await newSignedInPage(browser, { width: 1000, height: 800 });
    try {
      await other.goto(server.url);
      const otherRow = other.locator(`tbody tr[data-image-id="${target?.id}"]`);
      await otherRow.waitFor();
      await page.goto(`${server.url}/photos/${target?.id}`);
      await page.getByRole('button', { name: 'Delete photo' }).click();
      const dialog = page.getByRole('dialog', { name: 'Delete bob-4.png?' });
      expect(await dialog.textContent()).toMatch(/its 1 face and its stored file are deleted/);
      await screenshot(page, 'photo-delete');
      await dialog.getByRole('button', { name: 'Delete photo' }).click();
      await page.getByRole('heading', { level: 1, name: 'Photos' }).waitFor();
      await expect.poll(() => row('bob-4.png').count()).toBe(0);
      await expect.poll(() => otherRow.count()).toBe(0);
      const gone = await fetch(`${server.url}/api/images/${target?.id}`, { headers: authHeaders() });
      expect(gone.status).toBe(404);
      // Its old address says it is gone, asking once (a 404 is not retried).
      const asked: string[] = [];
      other.on('request', (r) => {
        if (new URL(r.url()).pathname === `/api/images/${target?.id}`) asked.push(r.url());
      });
      await other.goto(`${server.url}/photos/${target?.id}`);
      await other.getByText('The photo could not be loaded').waitFor();
      await other.waitForTimeout(1500);
      expect(asked).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('opens the API docs: no lock on the health and metrics routes, and a way back to the app', async () => {
    await page.goto(`${server.url}/docs`);
    await page.locator('.opblock').first().waitFor();
    const locks = await page
      .locator('.opblock-summary')
      .evaluateAll((summaries) =>
        Object.fromEntries(
          summaries.map((s) => [
            s.querySelector('.opblock-summary-path')?.textContent?.trim(),
            s.querySelectorAll('.authorization__btn').length,
          ]),
        ),
      );
    expect([locks['/healthz'], locks['/readyz'], locks['/metrics'], locks['/api/images']]).toEqual([
      0, 0, 0, 1,
    ]);
    expect(await page.getByRole('link', { name: '← Back to the faceflow app' }).getAttribute('href')).toBe(
      '/',
    );
    await page.goto(server.url);
    await page.getByRole('heading', { level: 1, name: 'Photos' }).waitFor();
  });

  it('raised no script error in the browser', () => {
    // 4xx answers (the rejected upload) are logged by Chromium as "Failed to load resource": expected.
    expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  });
});
