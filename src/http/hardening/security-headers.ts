import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

type Directives = Record<string, string[] | null>;

/**
 * The Content-Security-Policy of the web UI (web/dist): Vite's index.html loads one module script and
 * one stylesheet from /assets and has no inline script or style (React's `style` props go through the
 * CSSOM, which CSP does not restrict). Photos come from the API, previews of files about to be enrolled
 * are `blob:` URLs, the camera page plays a MediaStream, and the event stream and API calls go to the
 * same origin.
 */
export function uiDirectives(tls: boolean): Directives {
  return {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'media-src': ["'self'", 'blob:', 'mediastream:'],
    'connect-src': ["'self'"],
    'font-src': ["'self'"],
    'worker-src': ["'self'", 'blob:'],
    'manifest-src': ["'self'"],
    'object-src': ["'none'"],
    'frame-src': ["'none'"],
    'frame-ancestors': ["'none'"],
    'form-action': ["'self'"],
    // On plain HTTP (a laptop, or TLS ended at an ingress) upgrading would break the page.
    'upgrade-insecure-requests': tls ? [] : null,
  };
}

/**
 * Swagger UI at /docs: its bundle sets inline styles on elements it builds as HTML strings, and its
 * stylesheet uses `data:` images; scripts stay same-origin only.
 */
export function docsDirectives(tls: boolean): Directives {
  return { ...uiDirectives(tls), 'style-src': ["'self'", "'unsafe-inline'"] };
}

export function serializeCsp(directives: Directives): string {
  return Object.entries(directives)
    .filter((entry): entry is [string, string[]] => entry[1] !== null)
    .map(([name, values]) => [name, ...values].join(' '))
    .join('; ');
}

/** Features a page of faceflow may use: the camera page needs the camera, nothing needs the rest. */
const PERMISSIONS_POLICY = 'camera=(self), microphone=(), geolocation=(), payment=(), usb=()';

const DOCS = /^\/docs(\/|$|\?)/;

/**
 * Security headers on every answer (helmet): the UI's CSP (a relaxed one for /docs), no framing, no
 * sniffing, no referrer, same-origin isolation, and HSTS only when this server itself speaks TLS
 * (behind a TLS-terminating ingress, the ingress sends it).
 */
export async function registerSecurityHeaders(
  app: FastifyInstance,
  options: { tls: boolean },
): Promise<void> {
  const ui = serializeCsp(uiDirectives(options.tls));
  const docs = serializeCsp(docsDirectives(options.tls));
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: false,
    hsts: options.tls ? { maxAge: 15_552_000, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('content-security-policy', DOCS.test(request.url) ? docs : ui);
    reply.header('permissions-policy', PERMISSIONS_POLICY);
  });
}
