import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../ports/logger.ts';
import { JoseTokenSigner } from './jose-token-signer.ts';
import { GENERATED_SECRET_FILE, openTokenSigner } from './signing-key.ts';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const claims = { sub: 'usr_1', name: 'alice', role: 'editor' as const, gen: 3 };

async function rejects(signer: JoseTokenSigner, token: string) {
  await expect(signer.verify(token)).rejects.toMatchObject({ code: 'unauthorized' });
}

describe('JoseTokenSigner', () => {
  const hs = JoseTokenSigner.fromSecret(SECRET);

  it('signs and verifies an access token with HS256', async () => {
    const token = await hs.sign(claims, 60);
    expect(await hs.verify(token)).toEqual(claims);
    expect(JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString())).toMatchObject({
      alg: 'HS256',
    });
  });

  it('refuses a short secret', () => {
    expect(() => JoseTokenSigner.fromSecret('short')).toThrow(/32/);
  });

  it('refuses expired, forged, tampered and alg:none tokens', async () => {
    await rejects(hs, await hs.sign(claims, -10));
    await rejects(hs, await JoseTokenSigner.fromSecret(`${SECRET}-other`).sign(claims, 60));
    const [h, p, s] = (await hs.sign(claims, 60)).split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const admin = base64url.encode(JSON.stringify({ ...payload, role: 'admin' }));
    await rejects(hs, `${h}.${admin}.${s}`);
    const none = new UnsecuredJWT({ ...payload }).encode();
    await rejects(hs, none);
    await rejects(hs, `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${p}.`);
    await rejects(hs, 'not-a-jwt');
  });

  it('refuses a token of the right key without typ access, or with another issuer', async () => {
    const key = new TextEncoder().encode(SECRET);
    const base = () =>
      new SignJWT({ name: 'alice', role: 'admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('usr_1')
        .setIssuedAt()
        .setExpirationTime('1m');
    await rejects(hs, await base().setIssuer('faceflow').setAudience('faceflow-api').sign(key));
    await rejects(hs, await base().setIssuer('evil').setAudience('faceflow-api').sign(key));
  });

  it('carries the token generation: absent (an older token) reads as 0, anything but a whole number >= 0 is refused', async () => {
    const key = new TextEncoder().encode(SECRET);
    const token = (gen: unknown) =>
      new SignJWT({ name: 'alice', role: 'editor', typ: 'access', ...(gen === undefined ? {} : { gen }) })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('usr_1')
        .setIssuer('faceflow')
        .setAudience('faceflow-api')
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(key);
    expect(await hs.verify(await token(undefined))).toEqual({ ...claims, gen: 0 });
    expect(await hs.verify(await token(7))).toEqual({ ...claims, gen: 7 });
    for (const bad of [-1, 1.5, '2', null]) await rejects(hs, await token(bad));
  });

  it('pins the asymmetric algorithm: an HS256 token keyed with the public key is refused', async () => {
    for (const [type, options] of [
      ['ed25519', {}],
      ['ec', { namedCurve: 'P-256' }],
      ['rsa', { modulusLength: 2048 }],
    ] as const) {
      const { privateKey, publicKey } = generateKeyPairSync(type as 'ed25519', options as object);
      const signer = JoseTokenSigner.fromPrivateKeyPem(
        privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      );
      expect(await signer.verify(await signer.sign(claims, 60))).toEqual(claims);
      const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
      const confused = await new SignJWT({ name: 'x', role: 'admin', typ: 'access' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('usr_1')
        .setIssuer('faceflow')
        .setAudience('faceflow-api')
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(new TextEncoder().encode(pem));
      await rejects(signer, confused);
    }
    expect(() => JoseTokenSigner.fromPrivateKeyPem('nonsense')).toThrow(/PEM/);
  });
});

describe('openTokenSigner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceflow-jwt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a secret once under DATA_DIR with mode 0600 and reuses it', async () => {
    const dataDir = join(dir, 'data');
    const first = openTokenSigner({ DATA_DIR: dataDir }, silentLogger);
    const file = join(dataDir, GENERATED_SECRET_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    const second = openTokenSigner({ DATA_DIR: dataDir }, silentLogger);
    expect(await second.verify(await first.sign(claims, 60))).toEqual(claims);
    const other = openTokenSigner({ DATA_DIR: join(dir, 'other') }, silentLogger);
    await rejects(other, await first.sign(claims, 60));
  });

  it('prefers JWT_PRIVATE_KEY_FILE, then JWT_SECRET', () => {
    expect(openTokenSigner({ DATA_DIR: dir, JWT_SECRET: SECRET }, silentLogger).algorithm).toBe('HS256');
    expect(() =>
      openTokenSigner({ DATA_DIR: dir, JWT_PRIVATE_KEY_FILE: join(dir, 'missing.pem') }, silentLogger),
    ).toThrow(/cannot be read/);
  });
});
