import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectFaceEngine } from '../../src/adapters/recognizer-client/face-engine.connect.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { type RunningRecognizer, startRecognizer } from '../../src/roles/recognizer.ts';
import { faceAlong, ScriptedEngine } from '../helpers/scripted-engine.ts';

const SECRET = 'a-balancing-test-secret';

const callsOf = (engine: ScriptedEngine) => [...engine.calls.values()].reduce((a, b) => a + b, 0);

describe('recognizer client: one connection per resolved address, calls round robin', () => {
  const engines = [new ScriptedEngine(() => [faceAlong(0)]), new ScriptedEngine(() => [faceAlong(1)])];
  const servers: RunningRecognizer[] = [];
  let addresses = ['127.0.0.1', '127.0.0.2'];
  let client: ConnectFaceEngine;

  beforeAll(async () => {
    // Linux routes all of 127/8 to loopback: 127.0.0.2 is a second host, on the port the first got.
    let port = 0;
    for (const [i, host] of ['127.0.0.1', '127.0.0.2'].entries()) {
      const server = await startRecognizer(
        {
          ENGINE_THREADS: 1,
          ENGINE_RUNTIME: 'auto',
          RECOGNIZER_PORT: port,
          RECOGNIZER_HOST: host,
          RECOGNIZER_SECRET: SECRET,
          LOG_LEVEL: 'silent',
          LOG_FORMAT: 'json',
          METRICS_PORT: 0,
          METRICS_HOST: '127.0.0.1',
        },
        { engine: engines[i] },
      );
      servers.push(server);
      port = Number(new URL(server.url).port);
    }
    // The name stands for a DNS name with two A records (a headless Service with two pods).
    client = await ConnectFaceEngine.open({
      url: `http://recognizer.test:${port}`,
      secret: SECRET,
      timeoutMs: 5000,
      breakerFailures: 3,
      breakerOpenMs: 2000,
      resolve: async (host) => {
        expect(host).toBe('recognizer.test');
        return addresses;
      },
      resolveIntervalMs: 100,
      log: silentLogger,
    });
  });

  afterAll(async () => {
    await client?.close();
    for (const server of servers) await server.close().catch(() => {});
  });

  it('sends calls to both recognizers', async () => {
    expect(client.addresses()).toEqual(['127.0.0.1', '127.0.0.2']);
    const axes = [];
    for (let i = 0; i < 6; i++) {
      const analysis = await client.analyze(new Uint8Array([i, 1, 2, 3]));
      axes.push(analysis.faces[0]?.embedding.indexOf(1));
    }
    expect(callsOf(engines[0] as ScriptedEngine)).toBe(3);
    expect(callsOf(engines[1] as ScriptedEngine)).toBe(3);
    expect(axes.sort()).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it('keeps answering when one recognizer stops: the retry takes the other address, the breaker stays closed', async () => {
    await servers[1]?.close();
    const before = callsOf(engines[0] as ScriptedEngine);
    for (let i = 0; i < 4; i++) await client.analyze(new Uint8Array([9, i]));
    expect(callsOf(engines[0] as ScriptedEngine)).toBe(before + 4);
    expect(client.breakerState()).toBe('closed');
  });

  it('drops an address that no longer resolves', async () => {
    addresses = ['127.0.0.1'];
    const deadline = Date.now() + 5000;
    while (client.addresses().length > 1 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(client.addresses()).toEqual(['127.0.0.1']);
    const before = callsOf(engines[0] as ScriptedEngine);
    for (let i = 0; i < 3; i++) await client.analyze(new Uint8Array([7, i]));
    expect(callsOf(engines[0] as ScriptedEngine)).toBe(before + 3);
  });
});
