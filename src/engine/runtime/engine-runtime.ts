import { loadOnnxNetworks } from './onnx-networks.ts';
import { type FaceRuntime, loadFaceRuntime, loadFaceRuntimeCore } from './tfjs-runtime.ts';

/** `ENGINE_RUNTIME`: where the engine's networks run (ADR 0011). */
export const ENGINE_RUNTIMES = ['auto', 'onnx', 'wasm'] as const;
export type EngineRuntimeChoice = (typeof ENGINE_RUNTIMES)[number];
/** The runtime a thread actually uses: ONNX Runtime's CPU kernels, or tfjs's WASM kernels. */
export type EngineRuntimeKind = 'onnx' | 'wasm';

export interface LoadedEngineRuntime {
  runtime: FaceRuntime;
  kind: EngineRuntimeKind;
  /** Why `auto` fell back to WASM (absent otherwise). */
  fallbackReason?: string;
}

/**
 * The face runtime for one engine thread. `wasm`: tfjs only, as before ADR 0011. `onnx`: the
 * descriptor and landmark networks on ONNX Runtime, failing if they do not load. `auto`:
 * ONNX when it loads, else WASM with the reason. On ONNX the two networks are not loaded into tfjs
 * (their weights would only take memory) unless the converter needs them; the detectors stay on tfjs.
 */
export async function loadEngineRuntime(choice: EngineRuntimeChoice): Promise<LoadedEngineRuntime> {
  if (choice === 'wasm') return { runtime: await loadFaceRuntime(), kind: 'wasm' };
  try {
    const core = await loadFaceRuntimeCore();
    const networks = await loadOnnxNetworks(core, loadFaceRuntime);
    return { runtime: { ...core, onnx: networks }, kind: 'onnx' };
  } catch (error) {
    if (choice === 'onnx') throw error;
    const reason = error instanceof Error ? error.message : String(error);
    return { runtime: await loadFaceRuntime(), kind: 'wasm', fallbackReason: reason };
  }
}
