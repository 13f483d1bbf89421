import { describe, expect, it } from 'vitest';
import { loadAllConfig, loadApiConfig } from './roles.config.ts';

describe('hardening config keys', () => {
  it('defaults: CORS closed, rate limits on with generous limits, no Redis, plain HTTP, no proxy trusted', () => {
    const c = loadApiConfig({});
    expect(c.CORS_ORIGINS).toEqual([]);
    expect(c.RATE_LIMIT).toBe(true);
    expect([
      c.RATE_LIMIT_MAX,
      c.RATE_LIMIT_LOGIN_MAX,
      c.RATE_LIMIT_UPLOAD_MAX,
      c.RATE_LIMIT_WINDOW_MS,
    ]).toEqual([3000, 10, 1200, 60_000]);
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.REDIS_KEY_PREFIX).toBe('faceflow:');
    expect(c.TLS_CERT).toBeUndefined();
    expect(c.TRUST_PROXY).toBe(false);
  });

  it('reads exact origins, RATE_LIMIT=off, a Redis URL and each form of TRUST_PROXY', () => {
    const c = loadAllConfig({
      CORS_ORIGINS: ' https://photos.example.org , http://localhost:5173',
      RATE_LIMIT: 'off',
      REDIS_URL: 'rediss://:pw@redis.internal:6380/2',
    });
    expect(c.CORS_ORIGINS).toEqual(['https://photos.example.org', 'http://localhost:5173']);
    expect(c.RATE_LIMIT).toBe(false);
    expect(c.REDIS_URL).toBe('rediss://:pw@redis.internal:6380/2');
    expect(loadAllConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadAllConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadAllConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).TRUST_PROXY).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
    ]);
  });

  it('reports every bad key at once', () => {
    let message = '';
    try {
      loadApiConfig({
        CORS_ORIGINS: 'https://ok.example,https://with.path/app,*',
        RATE_LIMIT: 'maybe',
        RATE_LIMIT_LOGIN_MAX: '0',
        REDIS_URL: 'http://redis:6379',
        REDIS_KEY_PREFIX: 'has space',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(
      'CORS_ORIGINS: not an exact origin (scheme://host[:port], no path): https://with.path/app',
    );
    expect(message).toContain('CORS_ORIGINS: not an exact origin (scheme://host[:port], no path): *');
    expect(message).not.toContain('https://ok.example ');
    for (const key of ['RATE_LIMIT:', 'RATE_LIMIT_LOGIN_MAX:', 'REDIS_URL:', 'REDIS_KEY_PREFIX:'])
      expect(message).toContain(key);
  });
});
