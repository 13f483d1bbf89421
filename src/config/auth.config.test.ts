import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, parseDurationSeconds } from './auth.config.ts';
import { loadAllConfig, loadApiConfig, loadRecognizerConfig } from './roles.config.ts';

describe('auth configuration', () => {
  it('defaults: auth on, 15 min access tokens, 7 day refresh tokens, metrics public', () => {
    const c = loadAllConfig({ DATA_DIR: join(tmpdir(), 'ff') });
    expect([c.AUTH, c.ACCESS_TOKEN_TTL, c.REFRESH_TOKEN_TTL, c.METRICS_AUTH]).toEqual([
      true,
      900,
      604_800,
      false,
    ]);
  });

  it('per-address sign-in limit: 30 failures per 15 min by default, validated when set', () => {
    const c = loadAllConfig({ DATA_DIR: join(tmpdir(), 'ff') });
    expect([c.LOGIN_ADDRESS_MAX_FAILURES, c.LOGIN_ADDRESS_WINDOW]).toEqual([30, 900]);
    const set = loadApiConfig({ LOGIN_ADDRESS_MAX_FAILURES: '100', LOGIN_ADDRESS_WINDOW: '1h' });
    expect([set.LOGIN_ADDRESS_MAX_FAILURES, set.LOGIN_ADDRESS_WINDOW]).toEqual([100, 3600]);
    expect(() => loadApiConfig({ LOGIN_ADDRESS_MAX_FAILURES: '0' })).toThrow(/LOGIN_ADDRESS_MAX_FAILURES/);
    expect(() => loadApiConfig({ LOGIN_ADDRESS_WINDOW: '10s' })).toThrow(/LOGIN_ADDRESS_WINDOW/);
  });

  it('parses durations', () => {
    expect(['900', '90s', '15m', '12h', '7d', '15 m', 'x', '1w', ''].map(parseDurationSeconds)).toEqual([
      900,
      90,
      900,
      43_200,
      604_800,
      900,
      undefined,
      undefined,
      undefined,
    ]);
    expect(() => loadApiConfig({ ACCESS_TOKEN_TTL: 'forever' })).toThrow(/ACCESS_TOKEN_TTL/);
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', 'example.com'].some(isLoopbackHost)).toBe(false);
  });

  it('refuses AUTH=disabled on an address others can reach, allows it on loopback', () => {
    expect(() => loadAllConfig({ AUTH: 'disabled', HOST: '0.0.0.0' })).toThrow(
      /AUTH: AUTH=disabled is only allowed on a loopback address/,
    );
    expect(() => loadApiConfig({ AUTH: 'disabled', HOST: '::' })).toThrow(/loopback/);
    expect(loadAllConfig({ AUTH: 'disabled', HOST: '127.0.0.1' }).AUTH).toBe(false);
  });

  it('never echoes a bad secret back', () => {
    const secret = 'too-short-secret';
    let message = '';
    try {
      loadAllConfig({ JWT_SECRET: secret });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/JWT_SECRET: must have at least 32 characters/);
    expect(message).not.toContain(secret);
  });

  it('two-factor settings: TOTP_REQUIRED off by default, all, or roles; TOTP_KEY never echoed', () => {
    const dir = join(tmpdir(), 'ff');
    const c = loadAllConfig({ DATA_DIR: dir });
    expect([[...c.TOTP_REQUIRED], c.TOTP_KEY, c.TOTP_ISSUER]).toEqual([[], undefined, 'faceflow']);
    expect([...loadApiConfig({ TOTP_REQUIRED: 'all' }).TOTP_REQUIRED]).toEqual(['viewer', 'editor', 'admin']);
    expect([...loadApiConfig({ TOTP_REQUIRED: ' Editor, admin ' }).TOTP_REQUIRED]).toEqual([
      'editor',
      'admin',
    ]);
    expect(() => loadApiConfig({ TOTP_REQUIRED: 'admins' })).toThrow(/TOTP_REQUIRED: .*unknown: admins/);
    let message = '';
    try {
      loadApiConfig({ TOTP_KEY: 'short-totp-key' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/TOTP_KEY: must have at least 32 characters/);
    expect(message).not.toContain('short-totp-key');
  });

  it('the recognizer needs RECOGNIZER_SECRET unless it listens on loopback only', () => {
    expect(() => loadRecognizerConfig({})).toThrow(
      /RECOGNIZER_SECRET: is required when the recognizer listens on 0.0.0.0/,
    );
    expect(loadRecognizerConfig({ RECOGNIZER_HOST: '127.0.0.1' }).RECOGNIZER_SECRET).toBeUndefined();
    expect(loadRecognizerConfig({ RECOGNIZER_SECRET: 'a-recognizer-secret-123' }).RECOGNIZER_HOST).toBe(
      '0.0.0.0',
    );
  });
});
