import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger redaction', () => {
  it('never writes credentials from headers or password, token and key fields', () => {
    const { lines, stream } = capture();
    const log = createLogger('info', 'test', stream);
    log.info(
      {
        req: {
          headers: {
            authorization: 'Bearer eyJ.secret-jwt',
            cookie: 'ff_access=secret-cookie',
            'x-api-key': 'ffk_secretkey',
            accept: 'application/json',
          },
        },
        res: { headers: { 'set-cookie': 'ff_refresh=secret-refresh' } },
        body: { name: 'alice', password: 'secret-password', token: 'secret-setup-token' },
        result: { accessToken: 'secret-access', refreshToken: 'secret-rt', apiKey: 'ffk_secret2' },
        face: { embedding: [0.1, 0.2] },
      },
      'request',
    );
    log.info({ password: 'secret-top' }, 'top level');
    const text = lines.join('');
    expect(text).not.toMatch(/secret/);
    expect(text).not.toContain('0.1');
    expect(text).toContain('application/json');
    expect(text).toContain('alice');
    expect(text.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(11);
  });
});
