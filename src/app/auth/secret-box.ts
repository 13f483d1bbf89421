import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from '../../core/errors.ts';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts small secrets for the database (the TOTP secrets of users): AES-256-GCM with a random 96-bit
 * nonce per value, and the owner's id as associated data, so a value copied into another user's row
 * does not decrypt. The key is derived (HKDF-SHA256) from the configured key material, TOTP_KEY or the
 * one generated into DATA_DIR. Stored as `v1.<nonce>.<ciphertext>.<tag>` (base64url).
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(keyMaterial: string) {
    if (keyMaterial.length < 32)
      throw new AppError('invalid_input', 'the secret key needs at least 32 characters');
    this.key = Buffer.from(hkdfSync('sha256', keyMaterial, 'faceflow', 'faceflow totp secret v1', 32));
  }

  seal(plain: string, owner: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(owner, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv, body, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /** Throws AppError `internal` when the value was not sealed with this key for this owner. */
  open(sealed: string, owner: string): string {
    const [version, iv, body, tag] = sealed.split('.');
    try {
      if (version !== VERSION || iv === undefined || body === undefined || tag === undefined)
        throw new Error(`unknown format ${version}`);
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(owner, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch (cause) {
      throw new AppError(
        'internal',
        'a stored TOTP secret cannot be decrypted: was TOTP_KEY (or DATA_DIR/totp-key) changed? An admin can reset the user’s second factor',
        { cause },
      );
    }
  }
}
