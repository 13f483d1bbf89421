import { readFileSync } from 'node:fs';

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

/** Reads TLS_CERT and TLS_KEY (the config has checked that they are a certificate and its key). */
export function loadTls(files: TlsFiles): TlsMaterial {
  return { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) };
}

/**
 * Fastify server options for HTTPS with HTTP/2 (ALPN `h2`) and HTTP/1.1 on the same port; none without TLS.
 */
export function tlsServerOptions(tls: TlsMaterial | undefined) {
  if (!tls) return {};
  return { http2: true as const, https: { allowHTTP1: true, cert: tls.cert, key: tls.key } };
}
