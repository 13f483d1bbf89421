import { describe, expect, it } from 'vitest';
import { OtpauthCodes } from './otpauth-codes.ts';

// RFC 6238 appendix B: the SHA-1 secret "12345678901234567890" (base32 below), 8-digit codes cut to 6.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_VECTORS: [number, string][] = [
  [59, '287082'],
  [1111111109, '081804'],
  [1234567890, '005924'],
  [2000000000, '279037'],
];

describe('OtpauthCodes (RFC 6238)', () => {
  const codes = new OtpauthCodes();

  it('gives the RFC 6238 test vectors and finds their step', () => {
    for (const [seconds, code] of RFC_VECTORS) {
      expect(codes.codeAt(RFC_SECRET, seconds * 1000)).toBe(code);
      expect(codes.stepOf(RFC_SECRET, code, seconds * 1000)).toBe(Math.floor(seconds / 30));
    }
  });

  it('accepts one step either side and nothing further; other secrets and wrong codes get null', () => {
    const now = 1_800_000_000_000;
    const step = Math.floor(now / 30_000);
    for (const offset of [-1, 0, 1])
      expect(codes.stepOf(RFC_SECRET, codes.codeAt(RFC_SECRET, now + offset * 30_000), now)).toBe(
        step + offset,
      );
    for (const offset of [-2, 2])
      expect(codes.stepOf(RFC_SECRET, codes.codeAt(RFC_SECRET, now + offset * 30_000), now)).toBeNull();
    const other = codes.newSecret();
    expect(other).toMatch(/^[A-Z2-7]{32}$/);
    expect(codes.stepOf(other, codes.codeAt(RFC_SECRET, now), now)).toBeNull();
    expect(codes.stepOf(RFC_SECRET, '12345', now)).toBeNull();
  });

  it('writes an otpauth URL with issuer, account and the standard parameters', () => {
    const url = new URL(codes.enrolmentUrl(RFC_SECRET, 'alice', 'faceflow'));
    expect(url.protocol).toBe('otpauth:');
    expect(decodeURIComponent(url.pathname)).toMatch(/faceflow:alice$/);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      secret: RFC_SECRET,
      issuer: 'faceflow',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });
});
