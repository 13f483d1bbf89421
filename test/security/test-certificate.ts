import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  dir: string;
  certFile: string;
  keyFile: string;
  /** The certificate itself, as the CA a client trusts. */
  ca: Buffer;
}

/** A self-signed P-256 certificate for localhost and 127.0.0.1, valid one day, made with the openssl CLI. */
export function makeTestCertificate(name = 'faceflow-tls-'): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), name));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'pipe' },
  );
  return { dir, certFile, keyFile, ca: readFileSync(certFile) };
}
