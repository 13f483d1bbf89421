/**
 * The hosts data sets may be downloaded from (DATASET_URL_ALLOW): `host` (any port) or `host:port`,
 * a name, an IPv4 address or a bracketed IPv6 address. Names are compared case-insensitively and
 * exactly (no wildcards: `example.com` does not allow `cdn.example.com`).
 */
export interface AllowedHost {
  /** Lower case; IPv6 without brackets. */
  host: string;
  /** Null: any port. */
  port: number | null;
}

const NAME =
  /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/;
const IPV6_CHARS = /^[0-9a-f:.]+$/;

/** One entry, or a message saying what is wrong with it. */
export function parseAllowedHost(entry: string): AllowedHost | string {
  const text = entry.trim().toLowerCase();
  if (text.includes('/') || text.includes('@'))
    return `"${entry}" is not a host: give host or host:port, without a scheme or path`;
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1] as string;
    portText = bracketed[2];
    if (!IPV6_CHARS.test(host) || !host.includes(':')) return `"${entry}" is not an IPv6 address`;
  } else {
    if ((text.match(/:/g) ?? []).length > 1)
      return `"${entry}": write an IPv6 address in brackets, e.g. [2001:db8::1]:443`;
    [host = '', portText] = text.split(':');
    if (!NAME.test(host)) return `"${entry}" is not a host name or address`;
    host = host.replace(/\.$/, '');
  }
  host = canonicalHost(host);
  if (portText === undefined) return { host, port: null };
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65_535)
    return `"${entry}": the port must be a number from 1 to 65535`;
  return { host, port };
}

/** The host as a URL parser writes it (IPv4 in dotted quads, IPv6 compressed), so that entries and URLs compare. */
function canonicalHost(host: string): string {
  try {
    return urlHost(new URL(`http://${host.includes(':') ? `[${host}]` : host}/`));
  } catch {
    return host;
  }
}

/** The port a URL reaches (its explicit one, or its scheme's). */
export function urlPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/** The host of a URL as the allow list writes it (lower case, IPv6 without brackets, no trailing dot). */
export function urlHost(url: URL): string {
  return url.hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
}

/** Whether the list allows this URL's host and port. */
export function isAllowedHost(list: readonly AllowedHost[], url: URL): boolean {
  const host = urlHost(url);
  const port = urlPort(url);
  return list.some((entry) => entry.host === host && (entry.port === null || entry.port === port));
}
