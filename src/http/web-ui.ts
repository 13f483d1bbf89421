import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AppError } from '../core/errors.ts';
import { declarePublicRoutes } from './auth/index.ts';
import { sendError } from './errors.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
export const WEB_DIR = path.join(REPO, 'web');
export const WEB_DIST = path.join(WEB_DIR, 'dist');
const VITE_BIN = path.join(REPO, 'node_modules/vite/bin/vite.js');

/** Paths that belong to the API and never fall back to the UI's index.html (checked on `logicalPath`). */
const API_PATHS = /^\/(api|docs|openapi\.json|metrics|healthz|readyz)(?![\w.-])/i;
const TOP_LEVEL_FILE = /^\/[A-Za-z0-9][A-Za-z0-9._-]*\.[A-Za-z0-9]+$/;

/**
 * The path a lenient client, proxy or browser could take `raw` for: percent-decoded, dot segments and
 * backslashes resolved, repeated slashes folded. Only to keep API-looking paths out of the UI fallback.
 */
function logicalPath(raw: string): string {
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // Not decodable: judge it as sent.
  }
  try {
    return new URL(decoded.replace(/^[\\/]+/, '/'), 'http://ui.invalid').pathname.replace(/\/{2,}/g, '/');
  } catch {
    return decoded;
  }
}

function newestMtime(target: string): number {
  const stat = statSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/**
 * Whether web/dist must be (re)built: it is missing, or the UI's sources (present in a clone, absent in an
 * image that ships only dist/) changed since it was built.
 */
export function webUiNeedsBuild(webDir = WEB_DIR): boolean {
  const built = statSync(path.join(webDir, 'dist/index.html'), { throwIfNoEntry: false });
  if (!built) return existsSync(path.join(webDir, 'index.html'));
  const sources = ['src', 'public', 'index.html', 'vite.config.ts'].map((p) => path.join(webDir, p));
  return Math.max(...sources.map(newestMtime)) > built.mtimeMs;
}

function runVite(outDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [VITE_BIN, 'build', WEB_DIR, '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`vite build failed (${code}):\n${output}`)),
    );
  });
}

/**
 * Builds web/ into web/dist with Vite. Each build goes to its own folder first and is then renamed into
 * place, so two processes starting at once never serve a half-written folder.
 */
export async function buildWebUi(log?: Pick<Logger, 'info' | 'warn'>): Promise<void> {
  if (!existsSync(VITE_BIN))
    throw new Error('the web UI is not built and Vite is not installed: run `npm install && npm run build`');
  const staging = path.join(REPO, 'node_modules/.cache/faceflow-web', `${process.pid}-${Date.now()}`);
  await mkdir(path.dirname(staging), { recursive: true });
  log?.info({ dir: WEB_DIST }, 'building the web UI');
  await runVite(staging);
  const old = `${WEB_DIST}.old-${process.pid}-${Date.now()}`;
  await rename(WEB_DIST, old).catch(() => undefined);
  try {
    await rename(staging, WEB_DIST);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Another process put its build in place first: keep that one.
    if (code !== 'EXDEV') await rm(staging, { recursive: true, force: true });
    else {
      await cp(staging, WEB_DIST, { recursive: true });
      await rm(staging, { recursive: true, force: true });
    }
  }
  await rm(old, { recursive: true, force: true });
}

const MISSING_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>faceflow</title></head>
<body><main><h1>faceflow</h1><p>The web UI is not built. Run <code>npm run build</code> and restart;
the API is at <a href="/docs">/docs</a>.</p></main></body></html>`;

export interface WebUiOptions {
  logger: Pick<Logger, 'info' | 'warn'>;
  /** Build web/dist when it is missing or stale (default true). */
  build?: boolean;
  distDir?: string;
}

/**
 * Serves the built web UI at `/` (to any client) and to every other GET that a browser navigates to
 * (the UI routes on the client); hashed assets are cached for good. API paths keep their JSON 404. Its
 * routes are public, in a scope of their own; the fallback only serves files and never hands a request on to
 * another route, so no spelling of a private path reaches a private handler through it.
 */
export async function registerWebUi(app: FastifyInstance, options: WebUiOptions): Promise<void> {
  await app.register(async (scope) => {
    declarePublicRoutes(scope);
    await registerWebUiRoutes(scope, options);
  });
}

async function registerWebUiRoutes(app: FastifyInstance, options: WebUiOptions): Promise<void> {
  const distDir = options.distDir ?? WEB_DIST;
  if ((options.build ?? true) && distDir === WEB_DIST && webUiNeedsBuild()) {
    try {
      await buildWebUi(options.logger);
    } catch (error) {
      options.logger.warn({ err: String(error) }, 'the web UI could not be built');
    }
  }
  const built = existsSync(path.join(distDir, 'index.html'));
  if (built) {
    // Hashed bundles, looked up at request time (a rebuild while running is served at once), cached for good.
    await app.register(fastifyStatic, {
      root: path.join(distDir, 'assets'),
      prefix: '/assets/',
      index: false,
      setHeaders(reply) {
        reply.header('cache-control', 'public, max-age=31536000, immutable');
      },
    });
  }

  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const url = request.url.split('?')[0] ?? '/';
    // Files at the top of dist/ (favicon.svg, ...).
    if (built && TOP_LEVEL_FILE.test(url) && existsSync(path.join(distDir, url)))
      return reply.header('cache-control', 'no-cache').sendFile(url.slice(1), distDir);
    // A client that did not ask for HTML gets a JSON 404 for a path the API lacks; `/` is the UI for
    // everyone (`curl http://127.0.0.1:3000/` sends `Accept: */*`).
    const wantsHtml = url === '/' || (request.headers.accept ?? '').includes('text/html');
    if (API_PATHS.test(logicalPath(url)) || !wantsHtml)
      return sendError(reply, new AppError('not_found', `no route ${request.method} ${url}`));
    if (!built) return reply.type('text/html; charset=utf-8').send(MISSING_PAGE);
    return reply.header('cache-control', 'no-cache').sendFile('index.html', distDir);
  });
}
