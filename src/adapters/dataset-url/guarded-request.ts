import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { AppError } from '../../core/errors.ts';
import type { AllowedHost } from '../../core/host-allow-list.ts';
import { checkDatasetUrl, refusedConnection, safeLabel } from './url-policy.ts';

export const MAX_REDIRECTS = 5;

export interface GuardedRequestOptions {
  allow: readonly AllowedHost[];
  headers: Record<string, string>;
  signal: AbortSignal;
  /** No connection, or no answer to the request, within this long fails the request. */
  idleTimeoutMs: number;
}

/** An answer that is not a redirect, and the URL it came from after redirects. */
export interface GuardedResponse {
  response: IncomingMessage;
  url: URL;
}

/**
 * A DNS lookup that refuses an answer with any address the download may not reach. The socket
 * connects to the address this returns, so what is checked is what is connected to (a name that
 * resolves differently a moment later — DNS rebinding — is checked again on that lookup).
 */
function guardedLookup(url: URL, allow: readonly AllowedHost[]): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(
          new AppError('invalid_input', `cannot resolve ${hostname}: ${error.code ?? error.message}`),
          '',
          0,
        );
        return;
      }
      for (const a of addresses) {
        const why = refusedConnection(url, a.address, allow);
        if (why) {
          callback(new AppError('forbidden', `refused: ${why} (SSRF protection)`), '', 0);
          return;
        }
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
    });
  };
}

/** Checks the address a socket really connected to (IP literals skip the lookup), before anything is sent. */
function guardSocket(socket: Socket, url: URL, allow: readonly AllowedHost[]) {
  const check = () => {
    const why = refusedConnection(url, socket.remoteAddress ?? '', allow);
    if (why) socket.destroy(new AppError('forbidden', `refused: ${why} (SSRF protection)`));
  };
  if (socket.remoteAddress) check();
  else socket.prependOnceListener('connect', check);
}

function requestOnce(url: URL, options: GuardedRequestOptions): Promise<IncomingMessage> {
  // an address in the URL is never looked up: it is checked here, before a connection is tried
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  const why = isIP(literal) !== 0 ? refusedConnection(url, literal, options.allow) : null;
  if (why) return Promise.reject(new AppError('forbidden', `refused: ${why} (SSRF protection)`));
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, {
      method: 'GET',
      headers: { 'user-agent': 'faceflow', 'accept-encoding': 'identity', ...options.headers },
      agent: false,
      lookup: guardedLookup(url, options.allow),
      signal: options.signal,
      timeout: options.idleTimeoutMs,
    });
    request.on('socket', (socket) => guardSocket(socket, url, options.allow));
    request.on('timeout', () =>
      request.destroy(
        new AppError('invalid_input', `${url.host} did not answer within ${options.idleTimeoutMs} ms`, {
          retryable: true,
        }),
      ),
    );
    request.on('error', (error) => reject(describeError(error, url)));
    request.on('response', (response) => {
      // a connection that drops while nobody reads the body yet must not become an uncaught error; the
      // reader sees it when it reads (the body's iterator listens for it too)
      response.on('error', () => undefined);
      // from here on the reader times pauses itself (time spent reading photos does not count)
      response.socket.setTimeout(0);
      resolve(response);
    });
    request.end();
  });
}

/** A network error in words (connection refused, reset, TLS), retryable; AppErrors pass as they are. */
export function describeError(error: unknown, url: URL): AppError {
  if (error instanceof AppError) return error;
  const e = error as NodeJS.ErrnoException;
  if (e.name === 'AbortError')
    return new AppError('invalid_input', 'the download was stopped', { cause: error });
  return new AppError('invalid_input', `cannot download from ${url.host}: ${e.code ?? e.message}`, {
    cause: error,
    retryable: true,
  });
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GET with the redirects followed by hand: each new URL is checked against the allow list (and its
 * addresses against the rules) like the first; https never turns into http.
 */
export async function guardedGet(start: URL, options: GuardedRequestOptions): Promise<GuardedResponse> {
  let url = start;
  for (let hop = 0; ; hop++) {
    const response = await requestOnce(url, options);
    const status = response.statusCode ?? 0;
    if (!REDIRECTS.has(status)) return { response, url };
    response.resume();
    const location = response.headers.location;
    if (!location)
      throw new AppError('invalid_input', `${safeLabel(url)} answered ${status} without a Location`);
    if (hop >= MAX_REDIRECTS) throw new AppError('invalid_input', `more than ${MAX_REDIRECTS} redirects`);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new AppError('invalid_input', `${safeLabel(url)} redirected to an invalid URL`);
    }
    if (url.protocol === 'https:' && next.protocol === 'http:')
      throw new AppError('forbidden', `refused: a redirect from https to http (${safeLabel(next)})`);
    try {
      next = checkDatasetUrl(next.href, options.allow);
    } catch (error) {
      const message = error instanceof AppError ? error.message : String(error);
      throw new AppError(
        error instanceof AppError ? error.code : 'invalid_input',
        `refused the redirect to ${safeLabel(next)}: ${message}`,
      );
    }
    url = next;
  }
}
