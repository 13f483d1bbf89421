import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../../core/errors.ts';
import { ROLES, type Role } from '../../core/principal.ts';
import type { AccessClaims, AccessTokenSigner } from '../../ports/token-signer.ts';

const ISSUER = 'faceflow';
const AUDIENCE = 'faceflow-api';
/** The `typ` claim of access tokens: a refresh token or some other JWT of the same key is no access token. */
const ACCESS_TYPE = 'access';

type SigningKey =
  | { alg: 'HS256'; sign: Uint8Array; verify: Uint8Array }
  | { alg: 'EdDSA' | 'ES256' | 'RS256'; sign: KeyObject; verify: KeyObject };

const unauthorized = (message: string, cause?: unknown) => new AppError('unauthorized', message, { cause });

/**
 * Access tokens as JWT (jose). The algorithm is pinned to the configured key's on verify, so `alg:none`,
 * an HS256 token made with an RSA public key, or any other algorithm is refused; issuer, audience, `typ`,
 * `exp` and `iat` are required.
 */
export class JoseTokenSigner implements AccessTokenSigner {
  private constructor(private readonly key: SigningKey) {}

  /** HS256 with a shared secret (at least 32 characters; every api replica must have the same one). */
  static fromSecret(secret: string): JoseTokenSigner {
    if (secret.length < 32)
      throw new AppError('invalid_input', 'JWT_SECRET must have at least 32 characters');
    const bytes = new TextEncoder().encode(secret);
    return new JoseTokenSigner({ alg: 'HS256', sign: bytes, verify: bytes });
  }

  /** An asymmetric private key in PEM (Ed25519 → EdDSA, EC P-256 → ES256, RSA ≥ 2048 bits → RS256). */
  static fromPrivateKeyPem(pem: string): JoseTokenSigner {
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(pem);
    } catch (cause) {
      throw new AppError('invalid_input', 'JWT_PRIVATE_KEY_FILE does not hold a PEM private key', { cause });
    }
    const publicKey = createPublicKey(privateKey);
    const type = privateKey.asymmetricKeyType;
    const details = privateKey.asymmetricKeyDetails ?? {};
    if (type === 'ed25519') return new JoseTokenSigner({ alg: 'EdDSA', sign: privateKey, verify: publicKey });
    if (type === 'ec' && details.namedCurve === 'prime256v1')
      return new JoseTokenSigner({ alg: 'ES256', sign: privateKey, verify: publicKey });
    if (type === 'rsa' && (details.modulusLength ?? 0) >= 2048)
      return new JoseTokenSigner({ alg: 'RS256', sign: privateKey, verify: publicKey });
    throw new AppError(
      'invalid_input',
      'JWT_PRIVATE_KEY_FILE must be an Ed25519, EC P-256 or RSA (2048 bits or more) private key',
    );
  }

  get algorithm(): string {
    return this.key.alg;
  }

  async sign(claims: AccessClaims, ttlSeconds: number): Promise<string> {
    return new SignJWT({ name: claims.name, role: claims.role, gen: claims.gen, typ: ACCESS_TYPE })
      .setProtectedHeader({ alg: this.key.alg, typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.key.sign);
  }

  async verify(token: string): Promise<AccessClaims> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key.verify, {
        algorithms: [this.key.alg],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['exp', 'iat', 'sub'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw unauthorized('the access token has expired', error);
      throw unauthorized('the access token is invalid', error);
    }
    const { sub, name, role, typ, gen = 0 } = payload;
    if (typ !== ACCESS_TYPE) throw unauthorized('not an access token');
    if (
      typeof sub !== 'string' ||
      typeof name !== 'string' ||
      !(ROLES as readonly unknown[]).includes(role) ||
      !Number.isSafeInteger(gen) ||
      (gen as number) < 0
    )
      throw unauthorized('the access token lacks its claims');
    return { sub, name, role: role as Role, gen: gen as number };
  }
}
