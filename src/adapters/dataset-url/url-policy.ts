import { isIP } from 'node:net';
import { AppError } from '../../core/errors.ts';
import { type AllowedHost, isAllowedHost, urlHost, urlPort } from '../../core/host-allow-list.ts';
import { canonicalAddress, refusedAddress } from './address-rules.ts';

/** A URL as it may be shown and logged: no credentials, no query string or fragment (a signature may hide there). */
export function safeLabel(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * Which URLs a data set may come from: http(s) only, no credentials in the URL, a host on the allow
 * list. Checked for the URL given and again for every redirect.
 */
export function checkDatasetUrl(raw: string, allow: readonly AllowedHost[]): URL {
  if (allow.length === 0)
    throw new AppError(
      'forbidden',
      'data sets from a URL are turned off: set DATASET_URL_ALLOW to the hosts they may come from',
    );
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('invalid_input', 'the data set URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AppError(
      'invalid_input',
      `a data set URL starts with http:// or https://, not ${url.protocol}//`,
    );
  if (url.username || url.password)
    throw new AppError(
      'invalid_input',
      'a data set URL may not carry a user name or password (they would be stored with the job)',
    );
  if (!isAllowedHost(allow, url))
    throw new AppError(
      'forbidden',
      `${url.host} is not in DATASET_URL_ALLOW (data sets may come from: ${allow
        .map((a) => (a.port === null ? a.host : `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`))
        .join(', ')})`,
    );
  return url;
}

/**
 * Why a download of `url` may not connect to `address`, or null when it may. Public addresses are
 * fine; a loopback, private, link-local or reserved one only when the allow list names that very
 * address as the URL's host (a name that resolves to it does not count).
 */
export function refusedConnection(url: URL, address: string, allow: readonly AllowedHost[]): string | null {
  const why = refusedAddress(address);
  if (why === null) return null;
  const host = urlHost(url);
  const explicit =
    isIP(host) !== 0 &&
    canonicalAddress(host) === canonicalAddress(address) &&
    allow.some((a) => a.host === host && (a.port === null || a.port === urlPort(url)));
  if (explicit) return null;
  return isIP(host) !== 0 ? `${url.host} is ${why}` : `${url.host} resolves to ${address}, ${why}`;
}
