/**
 * npm run models:onnx — converts the tfjs networks the engine uses (face-api's descriptor and 68-point
 * landmark networks, Human's FaceRes) to ONNX under models/generated/ (ADR 0011) and prints each file's
 * size and sha256. Deterministic: the same package versions give byte-identical files.
 */
import { stat } from 'node:fs/promises';
import {
  CONVERTED_MODEL_FILES,
  type ConvertedNetwork,
  convertNetwork,
  sha256,
  writeConvertedModel,
} from '../src/engine/onnx-convert/converted-models.ts';
import { loadFaceRuntime } from '../src/engine/runtime/tfjs-runtime.ts';

const runtime = await loadFaceRuntime();
for (const network of Object.keys(CONVERTED_MODEL_FILES) as ConvertedNetwork[]) {
  const bytes = await convertNetwork(runtime, network);
  const file = await writeConvertedModel(network, bytes);
  const { size } = await stat(file);
  console.log(`${file}  ${size.toLocaleString('en-US')} bytes  sha256 ${sha256(bytes)}`);
}
