import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { toErrorInfo } from '../../core/errors.ts';
import { FaceAnalyzer } from '../face-analyzer.ts';
import { modelInfo } from '../model-info.ts';
import { loadEngineRuntime } from '../runtime/engine-runtime.ts';
import { wasmHeapBytes } from '../runtime/tfjs-runtime.ts';
import type { AnalyzeTask, ThreadData, ThreadReply } from './messages.ts';

const port = parentPort;
if (!port) throw new Error('engine-thread must run as a worker thread');
const { options, runtime: choice } = workerData as ThreadData;
// libvips' operation cache and thread pool are per process: keep them small, the pool provides the parallelism.
sharp.cache(false);
sharp.concurrency(1);

function reply(message: ThreadReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

try {
  const { runtime, kind, fallbackReason } = await loadEngineRuntime(choice);
  const model = modelInfo({ faceApi: runtime.faceApiVersion }, options);
  const analyzer = new FaceAnalyzer(runtime, model, options);
  port.on('message', async (task: AnalyzeTask) => {
    try {
      const { analysis, timings } = await analyzer.analyze({ bytes: task.bytes, crops: task.crops });
      const transfer = analysis.faces.map((f) => f.embedding.buffer as ArrayBuffer);
      reply(
        { type: 'result', id: task.id, analysis, timings, wasmHeapBytes: wasmHeapBytes(runtime) },
        transfer,
      );
    } catch (error) {
      reply({ type: 'error', id: task.id, error: toErrorInfo(error), wasmHeapBytes: wasmHeapBytes(runtime) });
    }
  });
  reply({ type: 'ready', model, wasmHeapBytes: wasmHeapBytes(runtime), runtime: kind, fallbackReason });
} catch (error) {
  reply({ type: 'init-failed', error: toErrorInfo(error) });
}
