import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectFaceEngine } from '../../src/adapters/recognizer-client/face-engine.connect.ts';
import { EngineUnavailableError } from '../../src/ports/face-engine.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import type { RunningRecognizer } from '../../src/roles/recognizer.ts';
import type { ScriptedEngine } from '../helpers/scripted-engine.ts';
import { startScriptedRecognizer } from '../helpers/scripted-recognizer.ts';

const SECRET = 'an-availability-test-secret';
const OPEN_MS = 300;

/**
 * The availability signal a paused worker waits on: while the breaker is open nothing but the health
 * probe reaches the recognizer, and the signal fires once a probe finds it serving again, without any
 * photo call.
 */
describe('recognizer client: availability follows the breaker, probed through the health service', () => {
  let port = 0;
  let server: RunningRecognizer | null = null;
  let engine: ScriptedEngine;
  let client: ConnectFaceEngine;
  const serve = async () => {
    ({ server, port, engine } = await startScriptedRecognizer(port, SECRET));
  };

  beforeAll(async () => {
    await serve();
    client = await ConnectFaceEngine.open({
      url: `http://127.0.0.1:${port}`,
      secret: SECRET,
      timeoutMs: 2000,
      retries: 0,
      breakerFailures: 2,
      breakerOpenMs: OPEN_MS,
      log: silentLogger,
    });
  });

  afterAll(async () => {
    await client?.close();
    await server?.close().catch(() => {});
  });

  it('is available while the breaker is closed', async () => {
    expect(client.available()).toBe(true);
    await expect(client.whenAvailable()).resolves.toBeUndefined();
    await client.analyze(new Uint8Array([1, 2, 3]));
  });

  it('becomes unavailable when the breaker opens and available again once a probe finds the recognizer serving', async () => {
    await server?.close();
    server = null;
    for (let i = 0; i < 2; i++)
      await expect(client.analyze(new Uint8Array([4, i]))).rejects.toBeInstanceOf(EngineUnavailableError);
    expect(client.breakerState()).toBe('open');
    expect(client.available()).toBe(false);

    let back = false;
    const recovered = client.whenAvailable().then(() => {
      back = true;
    });
    // Several probe periods with the recognizer down: probes fail, the breaker opens again each time.
    await new Promise((r) => setTimeout(r, OPEN_MS * 4));
    expect(back).toBe(false);
    expect(client.available()).toBe(false);

    await serve();
    const started = Date.now();
    await recovered;
    // Within about one probe period, and without a photo call to trigger the probe.
    expect(Date.now() - started).toBeLessThan(OPEN_MS * 2 + 2000);
    expect(client.breakerState()).toBe('closed');
    expect(client.available()).toBe(true);
    expect(engine.calls.size).toBe(0);
    const analysis = await client.analyze(new Uint8Array([5, 6]));
    expect(analysis.faces).toHaveLength(1);
  });
});
