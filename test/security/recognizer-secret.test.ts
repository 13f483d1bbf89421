import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecognizerConfig } from '../../src/config/roles.config.ts';
import { type RunningRecognizer, startRecognizer } from '../../src/roles/recognizer.ts';
import { ScriptedEngine } from '../helpers/scripted-engine.ts';

const SECRET = 'recognizer-secret-for-this-test';

describe('the recognizer port accepts only callers with RECOGNIZER_SECRET', () => {
  let recognizer: RunningRecognizer;

  beforeAll(async () => {
    const config = loadRecognizerConfig({
      RECOGNIZER_HOST: '127.0.0.1',
      RECOGNIZER_PORT: '0',
      RECOGNIZER_SECRET: SECRET,
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
    });
    recognizer = await startRecognizer(config, { engine: new ScriptedEngine(() => []) });
  });
  afterAll(() => recognizer?.close());

  const call = (path: string, headers: Record<string, string>) =>
    fetch(`${recognizer.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: '{}',
    });

  it('refuses calls without the secret, with a wrong one, or with it in the wrong form', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-the-secret-at-all' },
      { authorization: `Bearer ${SECRET}x` },
      { authorization: SECRET },
      { authorization: `Basic ${Buffer.from(`x:${SECRET}`).toString('base64')}` },
    ];
    for (const headers of attempts) {
      const res = await call('/faceflow.v1.Recognizer/GetModel', headers);
      expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([401, 'unauthenticated']);
    }
    // A call with photo bytes is refused before they are read: Embed just the same.
    expect((await call('/faceflow.v1.Recognizer/Embed', {})).status).toBe(401);
  });

  it('answers with the secret; health checks stay open for probes', async () => {
    const ok = await call('/faceflow.v1.Recognizer/GetModel', { authorization: `Bearer ${SECRET}` });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { model: { name: string } }).model.name).toBe('scripted');
    const health = await call('/grpc.health.v1.Health/Check', {});
    expect(await health.json()).toEqual({ status: 'SERVING' });
  });
});
