import { type RunningRecognizer, startRecognizer } from '../../src/roles/recognizer.ts';
import { faceAlong, ScriptedEngine } from './scripted-engine.ts';

/**
 * `faceflow recognizer` in this process on a scripted engine (one face per photo), on `port` (0: any
 * free one; pass the port it got to come back at the same address after a stop).
 */
export async function startScriptedRecognizer(
  port: number,
  secret: string,
  engine = new ScriptedEngine(() => [faceAlong(0)]),
): Promise<{ server: RunningRecognizer; port: number; engine: ScriptedEngine }> {
  const server = await startRecognizer(
    {
      ENGINE_THREADS: 1,
      ENGINE_RUNTIME: 'auto',
      RECOGNIZER_PORT: port,
      RECOGNIZER_HOST: '127.0.0.1',
      RECOGNIZER_SECRET: secret,
      LOG_LEVEL: 'silent',
      LOG_FORMAT: 'json',
      METRICS_PORT: 0,
      METRICS_HOST: '127.0.0.1',
    },
    { engine },
  );
  return { server, port: Number(new URL(server.url).port), engine };
}
