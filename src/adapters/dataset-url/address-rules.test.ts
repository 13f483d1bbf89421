import { describe, expect, it } from 'vitest';
import { parseAllowedHost } from '../../core/host-allow-list.ts';
import { refusedAddress } from './address-rules.ts';
import { checkDatasetUrl, refusedConnection, safeLabel } from './url-policy.ts';

describe('addresses a download may reach', () => {
  it('refuses loopback, private, link-local and reserved addresses, v4 and v6', () => {
    expect(refusedAddress('127.0.0.1')).toBe('a loopback address');
    expect(refusedAddress('127.255.0.9')).toBe('a loopback address');
    expect(refusedAddress('::1')).toBe('a loopback address');
    expect(refusedAddress('10.1.2.3')).toBe('a private address');
    expect(refusedAddress('172.31.0.1')).toBe('a private address');
    expect(refusedAddress('192.168.1.1')).toBe('a private address');
    expect(refusedAddress('100.64.0.1')).toBe('a private address');
    expect(refusedAddress('fd12:3456::1')).toBe('a private address');
    expect(refusedAddress('169.254.169.254')).toBe('a link-local address');
    expect(refusedAddress('fe80::1%eth0')).toBe('a link-local address');
    expect(refusedAddress('0.0.0.0')).toBe('a reserved address');
    expect(refusedAddress('::')).toBe('a reserved address');
    expect(refusedAddress('::ffff:127.0.0.1')).toBe('a reserved address');
    expect(refusedAddress('::ffff:7f00:1')).toBe('a reserved address');
    expect(refusedAddress('224.0.0.1')).toBe('a reserved address');
    expect(refusedAddress('not-an-ip')).toBe('not an IP address');
  });

  it('lets public addresses through', () => {
    for (const address of ['8.8.8.8', '172.32.0.1', '1.1.1.1', '2606:4700:4700::1111'])
      expect(refusedAddress(address), address).toBeNull();
  });

  it('allows a loopback or private address only when the allow list names that address as the host', () => {
    const allow = ['127.0.0.1:8080', 'localhost:8080'].map(parseAllowedHost) as Exclude<
      ReturnType<typeof parseAllowedHost>,
      string
    >[];
    expect(refusedConnection(new URL('http://127.0.0.1:8080/a.tar'), '127.0.0.1', allow)).toBeNull();
    // a name that resolves to loopback is not an explicit allowance
    expect(refusedConnection(new URL('http://localhost:8080/a.tar'), '127.0.0.1', allow)).toBe(
      'localhost:8080 resolves to 127.0.0.1, a loopback address',
    );
    // nor is the same address on a port the list does not name
    expect(refusedConnection(new URL('http://127.0.0.1:9090/a.tar'), '127.0.0.1', allow)).not.toBeNull();
  });
});

describe('data set URLs', () => {
  const allow = ['data.example.org'].map(parseAllowedHost) as Exclude<
    ReturnType<typeof parseAllowedHost>,
    string
  >[];

  it('are refused while the allow list is empty', () => {
    expect(() => checkDatasetUrl('https://data.example.org/a.tar', [])).toThrow(
      /turned off: set DATASET_URL_ALLOW/,
    );
  });

  it('must be http(s), without credentials, on an allowed host', () => {
    expect(() => checkDatasetUrl('ftp://data.example.org/a.tar', allow)).toThrow(
      /starts with http:\/\/ or https:\/\//,
    );
    expect(() => checkDatasetUrl('file:///etc/passwd', allow)).toThrow(/starts with http/);
    expect(() => checkDatasetUrl('https://me:secret@data.example.org/a.tar', allow)).toThrow(
      /user name or password/,
    );
    expect(() => checkDatasetUrl('https://other.example.org/a.tar', allow)).toThrow(
      /other\.example\.org is not in DATASET_URL_ALLOW/,
    );
    expect(() => checkDatasetUrl('not a url', allow)).toThrow(/not a valid URL/);
    expect(checkDatasetUrl('https://data.example.org/a.tar?sig=1', allow).href).toBe(
      'https://data.example.org/a.tar?sig=1',
    );
  });

  it('are shown without their query string (it may hold a signature)', () => {
    expect(safeLabel(new URL('https://data.example.org/sets/a.tar.gz?X-Amz-Signature=abc#x'))).toBe(
      'https://data.example.org/sets/a.tar.gz',
    );
  });
});
