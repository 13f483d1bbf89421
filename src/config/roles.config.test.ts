import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.ts';
import {
  loadAllConfig,
  loadApiConfig,
  loadRecognizerConfig,
  loadRedeemerConfig,
  loadSearchConfig,
  loadWorkerConfig,
} from './roles.config.ts';

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

  it('takes mysql://user:password@host:port/database for every role, and refuses one without a database', () => {
    const url = 'mysql://faceflow:s3cret@db.internal:3306/faceflow';
    const env = { DATABASE_URL: url, DATABASE_EVENTS_POLL_MS: '100' };
    for (const load of [loadAllConfig, loadApiConfig, loadWorkerConfig]) {
      expect(load(env).DATABASE_URL).toBe(url);
      expect(load(env).DATABASE_EVENTS_POLL_MS).toBe(100);
    }
    expect(loadAllConfig({}).DATABASE_EVENTS_POLL_MS).toBe(250);
    for (const bad of ['mysql://x', 'mysql://u:p@host:3306/', 'mysql://u@host/db;drop', 'mariadb://u@h/db'])
      expect(() => loadAllConfig({ DATABASE_URL: bad }), bad).toThrow(/DATABASE_URL/);
    expect(() => loadAllConfig({ DATABASE_URL: url, DATABASE_EVENTS_POLL_MS: '5' })).toThrow(
      /DATABASE_EVENTS_POLL_MS/,
    );
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

  it('reads ENGINE_RUNTIME for every role with an engine: auto by default, onnx or wasm, nothing else', () => {
    expect(loadAllConfig({}).ENGINE_RUNTIME).toBe('auto');
    expect(loadApiConfig({}).ENGINE_RUNTIME).toBe('auto');
    expect(loadWorkerConfig({ ENGINE_RUNTIME: 'wasm' }).ENGINE_RUNTIME).toBe('wasm');
    expect(
      loadRecognizerConfig({ ENGINE_RUNTIME: 'onnx', RECOGNIZER_HOST: '127.0.0.1' }).ENGINE_RUNTIME,
    ).toBe('onnx');
    for (const bad of ['gpu', 'ONNX', ' wasm'])
      expect(() => loadWorkerConfig({ ENGINE_RUNTIME: bad }), bad).toThrow(/ENGINE_RUNTIME/);
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

  it('api and all serve a separate metrics port only when METRICS_PORT is set, on HOST unless METRICS_HOST says', () => {
    for (const load of [loadAllConfig, loadApiConfig]) {
      expect(load({})).toMatchObject({ METRICS_PORT: null, METRICS_HOST: '127.0.0.1' });
      expect(load({ METRICS_PORT: '9464' })).toMatchObject({ METRICS_PORT: 9464, METRICS_HOST: '127.0.0.1' });
      expect(load({ METRICS_PORT: '0', METRICS_HOST: '::1' })).toMatchObject({
        METRICS_PORT: 0,
        METRICS_HOST: '::1',
      });
    }
    expect(
      loadApiConfig({ HOST: '0.0.0.0', JWT_SECRET: 'x'.repeat(32), METRICS_PORT: '9464' }).METRICS_HOST,
    ).toBe('0.0.0.0');
    // The worker's own server is always on, 9464 on every interface by default (unchanged).
    expect(loadWorkerConfig({})).toMatchObject({ METRICS_PORT: 9464, METRICS_HOST: '0.0.0.0' });
  });

  it('refuses a metrics port that is the main port, a host without a port, and a bad port, all at once', () => {
    const problems = (env: NodeJS.ProcessEnv) => {
      try {
        loadApiConfig(env);
        return '';
      } catch (e) {
        expect(e).toBeInstanceOf(AppError);
        return (e as AppError).message;
      }
    };
    expect(problems({ PORT: '8080', METRICS_PORT: '8080' })).toMatch(/METRICS_PORT: must differ from PORT/);
    expect(problems({ METRICS_HOST: '0.0.0.0' })).toMatch(/METRICS_HOST: has no effect without METRICS_PORT/);
    for (const bad of ['-1', '65536', 'nine', '1.5'])
      expect(problems({ METRICS_PORT: bad }), bad).toMatch(/METRICS_PORT:/);
    // Both ports 0 (ephemeral, as in tests) never collide.
    expect(problems({ PORT: '0', METRICS_PORT: '0' })).toBe('');
    expect(() => loadAllConfig({ PORT: '3000', METRICS_PORT: '3000' })).toThrow(/METRICS_PORT/);
  });

  it('gives each role only its own keys', () => {
    const config = loadRedeemerConfig({ PORT: 'not checked here', REDEEM_INTERVAL_MS: '1000' });
    expect(config.REDEEM_INTERVAL_MS).toBe(1000);
    expect('PORT' in config).toBe(false);
  });

  it('search: HNSW by default, a secret required off loopback, no broker settings', () => {
    const local = loadSearchConfig({ SEARCH_HOST: '127.0.0.1' });
    expect(local).toMatchObject({ SEARCH_PORT: 50052, GALLERY_INDEX: 'hnsw', METRICS_PORT: 9464 });
    expect('QUEUE_URL' in local).toBe(false);
    expect(() => loadSearchConfig({})).toThrow(
      /SEARCH_SECRET: is required when the search service listens on 0\.0\.0\.0/,
    );
    expect(loadSearchConfig({ SEARCH_SECRET: 'sixteen-chars-ok' }).SEARCH_HOST).toBe('0.0.0.0');
    expect(() => loadSearchConfig({ SEARCH_SECRET: 'short' })).toThrow(/SEARCH_SECRET/);
    expect(loadSearchConfig({ SEARCH_HOST: '::1', GALLERY_INDEX: 'exact' }).GALLERY_INDEX).toBe('exact');
  });

  it('api and worker: SEARCH_URL is an http(s) origin; the breaker and timeout have defaults', () => {
    const api = loadApiConfig({ SEARCH_URL: 'http://faceflow-search:50052' });
    expect(api).toMatchObject({
      SEARCH_URL: 'http://faceflow-search:50052',
      SEARCH_TIMEOUT_MS: 5000,
      SEARCH_BREAKER_FAILURES: 3,
      SEARCH_BREAKER_OPEN_MS: 10_000,
    });
    expect(loadWorkerConfig({}).SEARCH_URL).toBeUndefined();
    for (const bad of ['faceflow-search:50052', 'http://host:50052/path', 'grpc://host:1'])
      expect(() => loadWorkerConfig({ SEARCH_URL: bad }), bad).toThrow(/SEARCH_URL/);
    expect(() => loadApiConfig({ SEARCH_BREAKER_FAILURES: '0' })).toThrow(/SEARCH_BREAKER_FAILURES/);
  });
});
