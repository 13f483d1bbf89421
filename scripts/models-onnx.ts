/**
 * npm run models:onnx — converts the tfjs networks the engine uses (face-api's descriptor and 68-point
 * landmark networks) to ONNX under models/generated/ with a manifest of what they were
 * made from (ADR 0011), and prints each file's size and sha256. Deterministic: the same package
 * versions give byte-identical files. The engine does the same on its first start when the files are
 * missing or stale; this script makes it a build step (npm install runs it, and so does the Dockerfile).
 */
import {
  CONVERTED_MODEL_FILES,
  convertedModelPath,
  sha256,
} from '../src/engine/onnx-convert/converted-models.ts';
import { generateOnnxNetworks } from '../src/engine/runtime/onnx-networks.ts';
import { loadFaceRuntime } from '../src/engine/runtime/tfjs-runtime.ts';

const runtime = await loadFaceRuntime();
const files = await generateOnnxNetworks(runtime);
for (const [network, bytes] of files) {
  const size = bytes.byteLength.toLocaleString('en-US');
  console.log(`${convertedModelPath(network)}  ${size} bytes  sha256 ${sha256(bytes)}`);
}
console.log(`${Object.keys(CONVERTED_MODEL_FILES).length} networks converted`);
