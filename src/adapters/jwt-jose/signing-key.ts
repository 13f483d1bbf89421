import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../core/errors.ts';
import type { Logger } from '../../ports/logger.ts';
import { readOrCreateSecret } from '../blobs-fs/private-files.ts';
import { JoseTokenSigner } from './jose-token-signer.ts';

export interface SigningKeyConfig {
  DATA_DIR: string;
  JWT_SECRET?: string;
  JWT_PRIVATE_KEY_FILE?: string;
}

/** The file under DATA_DIR that keeps the generated secret of a single-process installation. */
export const GENERATED_SECRET_FILE = 'jwt-secret';

/**
 * The access-token signer from the configuration: JWT_PRIVATE_KEY_FILE (asymmetric), else JWT_SECRET (HS256),
 * else a random secret generated once and kept in DATA_DIR/jwt-secret (mode 0600) — fine for one process or
 * replicas sharing DATA_DIR; there is never a built-in default secret.
 */
export function openTokenSigner(config: SigningKeyConfig, log: Logger): JoseTokenSigner {
  if (config.JWT_PRIVATE_KEY_FILE) {
    let pem: string;
    try {
      pem = readFileSync(config.JWT_PRIVATE_KEY_FILE, 'utf8');
    } catch (cause) {
      throw new AppError(
        'invalid_input',
        `JWT_PRIVATE_KEY_FILE cannot be read: ${config.JWT_PRIVATE_KEY_FILE}`,
        {
          cause,
        },
      );
    }
    return JoseTokenSigner.fromPrivateKeyPem(pem);
  }
  if (config.JWT_SECRET) return JoseTokenSigner.fromSecret(config.JWT_SECRET);
  const file = join(config.DATA_DIR, GENERATED_SECRET_FILE);
  log.info({ file }, 'JWT_SECRET is not set: signing access tokens with the secret generated in DATA_DIR');
  return JoseTokenSigner.fromSecret(readOrCreateSecret(file));
}
