import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/app/auth/passwords.ts';
import { runCli } from '../support/run-cli.ts';

const PASSWORD = 'a-good-long-password';

describe('faceflow users create-admin, and the start-up refusals of auth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceflow-users-'));
  const env = { DATA_DIR: dir, LOG_LEVEL: 'silent' };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const users = () => {
    const db = new BetterSqlite3(join(dir, 'faceflow.db'), { readonly: true });
    try {
      return db.prepare('select name, role, password_hash from users order by name').all() as {
        name: string;
        role: string;
        password_hash: string;
      }[];
    } finally {
      db.close();
    }
  };
  const createAdmin = (name: string, input: string | undefined, extra: string[] = ['--password-stdin']) =>
    runCli(['users', 'create-admin', '--name', name, ...extra], { env, input });

  it('creates an admin from a password on stdin, stored as a salted scrypt hash', async () => {
    const res = await createAdmin('root', `${PASSWORD}\n`, ['--password-stdin', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ user: { name: 'root', role: 'admin' } });
    const [row] = users();
    expect(row).toMatchObject({ name: 'root', role: 'admin' });
    expect(row?.password_hash).toMatch(/^scrypt\$/);
    expect(row?.password_hash).not.toContain(PASSWORD);
    expect(await verifyPassword(PASSWORD, row?.password_hash as string)).toBe(true);
  });

  it('refuses a short, common or repeated password, a bad name, a taken name in any case and a password not on stdin; stores nothing', async () => {
    const cases: [string, string | undefined, string[], RegExp][] = [
      ['shorty', 'short\n', ['--password-stdin'], /at least 12 characters/],
      [
        'common',
        'Password1234\n',
        ['--password-stdin'],
        /too easy to guess: it is on the list of the most common/,
      ],
      [
        'repeated',
        'xoxoxoxoxoxoxo\n',
        ['--password-stdin'],
        /too easy to guess: it is a pattern of 2 characters/,
      ],
      ['ROOT', `${PASSWORD}\n`, ['--password-stdin'], /already exists/],
      ['ro\u200bot', `${PASSWORD}\n`, ['--password-stdin'], /invisible or direction-changing characters/],
      ['bad name!', `${PASSWORD}\n`, ['--password-stdin'], /user name must be/],
      ['root', `${PASSWORD}\n`, ['--password-stdin'], /already exists/],
      ['nostdin', undefined, [], /--password-stdin/],
    ];
    for (const [name, input, extra, message] of cases) {
      const res = await createAdmin(name, input, extra);
      expect([name, res.code]).toEqual([name, 1]);
      expect(res.stderr).toMatch(message);
      expect(res.stderr).not.toContain(PASSWORD);
    }
    const missing = await runCli(['users', 'create-admin', '--password-stdin'], { env, input: PASSWORD });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/--name/);
    expect(users().map((u) => u.name)).toEqual(['root']);
  });

  it('reset-2fa turns off the second factor of a user by any spelling of the name, audited; an unknown name fails', async () => {
    const db = new BetterSqlite3(join(dir, 'faceflow.db'));
    try {
      db.prepare("update users set totp_secret = 'v1.sealed', totp_last_step = 7 where name = 'root'").run();
      const id = (db.prepare("select id from users where name = 'root'").get() as { id: string }).id;
      db.prepare(
        'insert into recovery_codes (id, user_id, code_hash, used_at, created_at) values (?, ?, ?, null, 0)',
      ).run('rcv_1', id, 'h');
      const res = await runCli(['users', 'reset-2fa', '--name', 'ROOT', '--json'], { env });
      expect(res.code, res.stderr).toBe(0);
      expect(JSON.parse(res.stdout)).toEqual({ user: { id, name: 'root', totpEnabled: false } });
      expect(db.prepare("select totp_secret, totp_last_step from users where name = 'root'").get()).toEqual({
        totp_secret: null,
        totp_last_step: null,
      });
      expect(db.prepare('select count(*) n from recovery_codes').get()).toEqual({ n: 0 });
      const audit = db
        .prepare("select actor_kind, target_id from audit_log where action = 'user.totp_reset'")
        .all();
      expect(audit).toEqual([{ actor_kind: 'system', target_id: id }]);
    } finally {
      db.close();
    }
    const unknown = await runCli(['users', 'reset-2fa', '--name', 'nobody'], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no user named "nobody"/);
  });

  it('refuses AUTH=disabled on 0.0.0.0 at start, with a message that says why', async () => {
    const res = await runCli(['all'], { env: { ...env, AUTH: 'disabled', HOST: '0.0.0.0', PORT: '0' } });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/AUTH=disabled is only allowed on a loopback address/);
  });

  it('refuses a recognizer on a non-loopback address without RECOGNIZER_SECRET', async () => {
    const res = await runCli(['recognizer'], { env: { LOG_LEVEL: 'silent', RECOGNIZER_HOST: '0.0.0.0' } });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/RECOGNIZER_SECRET: is required/);
  });
});
