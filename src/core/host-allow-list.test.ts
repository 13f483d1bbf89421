import { describe, expect, it } from 'vitest';
import { isAllowedHost, parseAllowedHost } from './host-allow-list.ts';

describe('DATASET_URL_ALLOW entries', () => {
  it('reads names, addresses and ports', () => {
    expect(parseAllowedHost('Data.Example.org')).toEqual({ host: 'data.example.org', port: null });
    expect(parseAllowedHost('data.example.org:8443')).toEqual({ host: 'data.example.org', port: 8443 });
    expect(parseAllowedHost('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseAllowedHost('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    expect(parseAllowedHost('[0:0::1]')).toEqual({ host: '::1', port: null });
  });

  it('says what is wrong with a bad entry', () => {
    expect(parseAllowedHost('https://example.org')).toMatch(/without a scheme or path/);
    expect(parseAllowedHost('example.org/path')).toMatch(/without a scheme or path/);
    expect(parseAllowedHost('example.org:0')).toMatch(/port must be a number from 1 to 65535/);
    expect(parseAllowedHost('example.org:http')).toMatch(/port must be a number/);
    expect(parseAllowedHost('::1')).toMatch(/IPv6 address in brackets/);
    expect(parseAllowedHost('exa mple.org')).toMatch(/not a host name/);
    expect(parseAllowedHost('user@example.org')).toMatch(/not a host/);
  });

  it('matches a URL by exact host and, when given, port', () => {
    const list = [parseAllowedHost('data.example.org'), parseAllowedHost('127.0.0.1:8080')] as Exclude<
      ReturnType<typeof parseAllowedHost>,
      string
    >[];
    expect(isAllowedHost(list, new URL('https://DATA.example.org/x.tar'))).toBe(true);
    expect(isAllowedHost(list, new URL('http://data.example.org:81/x.tar'))).toBe(true);
    expect(isAllowedHost(list, new URL('https://cdn.data.example.org/x.tar'))).toBe(false);
    expect(isAllowedHost(list, new URL('https://data.example.org.evil.net/x.tar'))).toBe(false);
    expect(isAllowedHost(list, new URL('http://127.0.0.1:8080/x.tar'))).toBe(true);
    expect(isAllowedHost(list, new URL('http://127.0.0.1:8081/x.tar'))).toBe(false);
    expect(isAllowedHost(list, new URL('http://127.0.0.1/x.tar'))).toBe(false);
  });
});
