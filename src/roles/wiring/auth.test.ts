import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATED_SECRET_FILE } from '../../adapters/jwt-jose/signing-key.ts';
import { SqlUserStore } from '../../adapters/sql/user-store.sql.ts';
import { openSqlite, type SqliteHandle } from '../../adapters/sqlite/sqlite-database.ts';
import { systemClock } from '../../ports/clock.ts';
import type { Logger } from '../../ports/logger.ts';
import { type AuthConfig, buildHttpAuth, GENERATED_TOTP_KEY_FILE, generatedSecretWarning } from './auth.ts';

const SECRET = 'a-shared-secret-of-every-api-replica-0123456789';
const POSTGRES = 'postgres://faceflow@db.internal:5432/faceflow';

/** A logger that keeps what it was asked to log. */
function recordingLogger() {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const record =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  const log: Logger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    child: () => log,
  };
  return { log, lines };
}

describe('generatedSecretWarning', () => {
  const base = { AUTH: true, DATABASE_URL: POSTGRES };

  it('warns on PostgreSQL (several api replicas) when neither JWT_SECRET nor JWT_PRIVATE_KEY_FILE is set', () => {
    expect(generatedSecretWarning(base)).toMatch(/JWT_SECRET.*PostgreSQL.*same JWT_SECRET/);
    expect(generatedSecretWarning({ ...base, DATABASE_URL: 'postgresql://db/faceflow' })).not.toBeNull();
  });

  it('is quiet with a configured key, on SQLite (one process: `npm start`, `faceflow all`) and with AUTH off', () => {
    expect(generatedSecretWarning({ ...base, JWT_SECRET: SECRET })).toBeNull();
    expect(generatedSecretWarning({ ...base, JWT_PRIVATE_KEY_FILE: '/run/secrets/jwt.pem' })).toBeNull();
    expect(
      generatedSecretWarning({ ...base, DATABASE_URL: 'sqlite:/var/lib/faceflow/faceflow.db' }),
    ).toBeNull();
    expect(generatedSecretWarning({ AUTH: true })).toBeNull();
    expect(generatedSecretWarning({ ...base, AUTH: false })).toBeNull();
  });
});

describe('buildHttpAuth', () => {
  let dir: string;
  let handle: SqliteHandle;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faceflow-auth-role-'));
    handle = await openSqlite(':memory:');
  });
  afterAll(async () => {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = (extra: Partial<AuthConfig>): AuthConfig => ({
    DATA_DIR: dir,
    HOST: '0.0.0.0',
    AUTH: true,
    ACCESS_TOKEN_TTL: 900,
    REFRESH_TOKEN_TTL: 86_400,
    METRICS_AUTH: false,
    ...extra,
  });
  const build = (extra: Partial<AuthConfig>) => {
    const { log, lines } = recordingLogger();
    const auth = buildHttpAuth(config(extra), new SqlUserStore(handle.db), systemClock, log);
    return { auth, warnings: lines.filter((l) => l.level === 'warn') };
  };

  it('an api on PostgreSQL without a key still starts (generated secret) but logs the warning, never the secret', async () => {
    const { auth, warnings } = build({ DATABASE_URL: POSTGRES });
    expect(auth.service).not.toBeNull();
    expect(warnings).toHaveLength(2);
    expect(warnings[0]?.msg).toMatch(/JWT_SECRET/);
    expect(warnings[0]?.obj).toEqual({ file: join(dir, GENERATED_SECRET_FILE) });
    // The key of the TOTP secrets likewise: generated once into DATA_DIR (0600), named but never logged.
    expect(warnings[1]?.msg).toMatch(/TOTP_KEY/);
    const keyFile = join(dir, GENERATED_TOTP_KEY_FILE);
    expect(warnings[1]?.obj).toEqual({ file: keyFile });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(warnings)).not.toContain(readFileSync(keyFile, 'utf8').trim());
  });

  it('logs no warning with JWT_SECRET and TOTP_KEY on PostgreSQL, nor with the generated secrets on SQLite', () => {
    expect(build({ DATABASE_URL: POSTGRES, JWT_SECRET: SECRET, TOTP_KEY: SECRET }).warnings).toEqual([]);
    expect(build({ DATABASE_URL: `sqlite:${join(dir, 'faceflow.db')}` }).warnings).toEqual([]);
  });
});
