import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.ts';
import { loadAllConfig, loadRedeemerConfig } from './roles.config.ts';

describe('role configuration', () => {
  it('has defaults that run on a laptop with no server', () => {
    const config = loadAllConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.DATABASE_URL).toBe(`sqlite:${join(config.DATA_DIR, 'faceflow.db')}`);
    expect(config.QUEUE_URL).toBe('embedded:');
    expect(config.IMPORT_ROOTS).toEqual([]);
    expect(config.WORKER_CONCURRENCY).toBe(config.ENGINE_THREADS * 2);
    expect(config.MAX_ATTEMPTS).toBe(5);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every documented key', () => {
    const root = mkdtempSync(join(tmpdir(), 'faceflow-roots-'));
    const dataDir = join(tmpdir(), 'ff');
    const config = loadAllConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATA_DIR: dataDir,
      DATABASE_URL: `sqlite:${join(dataDir, 'x.db')}`,
      QUEUE_URL: 'embedded:',
      IMPORT_ROOTS: `${root}, ${root}`,
      WORKER_CONCURRENCY: '0',
      ENGINE_THREADS: '3',
      MATCH_THRESHOLD: '0.45',
      MAX_UPLOAD_BYTES: '1000',
      MAX_ATTEMPTS: '2',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      PORT: 8080,
      HOST: '0.0.0.0',
      DATA_DIR: dataDir,
      DATABASE_URL: `sqlite:${join(dataDir, 'x.db')}`,
      IMPORT_ROOTS: [root, root],
      WORKER_CONCURRENCY: 0,
      ENGINE_THREADS: 3,
      MATCH_THRESHOLD: 0.45,
      MAX_UPLOAD_BYTES: 1000,
      MAX_ATTEMPTS: 2,
      LOG_LEVEL: 'debug',
    });
  });

  it('reports every bad key at once', () => {
    let error: unknown;
    try {
      loadAllConfig({
        PORT: 'eighty',
        MAX_ATTEMPTS: '0',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'mysql://x',
        IMPORT_ROOTS: '/definitely/not/here',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    const message = (error as AppError).message;
    for (const key of ['PORT', 'MAX_ATTEMPTS', 'LOG_LEVEL', 'DATABASE_URL', 'IMPORT_ROOTS'])
      expect(message).toContain(`${key}:`);
  });

  it('reads RETENTION_DAYS for the redeemer and all: unset keeps photos forever, else whole days', () => {
    expect(loadAllConfig({}).RETENTION_DAYS).toBeNull();
    expect(loadRedeemerConfig({}).RETENTION_DAYS).toBeNull();
    expect(loadRedeemerConfig({ RETENTION_DAYS: '30' }).RETENTION_DAYS).toBe(30);
    expect(loadAllConfig({ RETENTION_DAYS: '365' }).RETENTION_DAYS).toBe(365);
    for (const bad of ['0', '-1', '1.5', 'forever', '36501']) {
      expect(() => loadRedeemerConfig({ RETENTION_DAYS: bad }), bad).toThrow(/RETENTION_DAYS/);
    }
  });

  it('gives each role only its own keys', () => {
    const config = loadRedeemerConfig({ PORT: 'not checked here', REDEEM_INTERVAL_MS: '1000' });
    expect(config.REDEEM_INTERVAL_MS).toBe(1000);
    expect('PORT' in config).toBe(false);
  });
});
