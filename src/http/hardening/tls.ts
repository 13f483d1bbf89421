import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { AppError } from '../../core/errors.ts';

export interface TlsFiles {
  /** PEM certificate (chain), from TLS_CERT. */
  certFile: string;
  /** PEM private key, from TLS_KEY. */
  keyFile: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
}

function read(file: string, key: 'TLS_CERT' | 'TLS_KEY'): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new AppError('invalid_input', `${key}: cannot read ${file}`, { cause: error });
  }
}

/**
 * Reads TLS_CERT and TLS_KEY and checks that they form a usable pair, so a bad file stops the start with a
 * message naming the key instead of failing on the first connection.
 */
export function loadTls(files: TlsFiles): TlsMaterial {
  const cert = read(files.certFile, 'TLS_CERT');
  const key = read(files.keyFile, 'TLS_KEY');
  if (!cert.includes('-----BEGIN CERTIFICATE-----'))
    throw new AppError('invalid_input', `TLS_CERT: ${files.certFile} holds no PEM certificate`);
  if (!/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/.test(key.toString('latin1')))
    throw new AppError('invalid_input', `TLS_KEY: ${files.keyFile} holds no PEM private key`);
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new AppError(
      'invalid_input',
      `TLS_CERT/TLS_KEY: the key does not belong to the certificate or cannot be used (${(error as Error).message})`,
      { cause: error },
    );
  }
  return { cert, key };
}

/**
 * Fastify server options for HTTPS with HTTP/2 (ALPN `h2`) and HTTP/1.1 on the same port; none without TLS.
 */
export function tlsServerOptions(tls: TlsMaterial | undefined) {
  if (!tls) return {};
  return { http2: true as const, https: { allowHTTP1: true, cert: tls.cert, key: tls.key } };
}
