import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CONVERTED_MODEL_FILES,
  CONVERTER_VERSION,
  type ConvertedNetwork,
  convertedModelPath,
  convertNetwork,
  sha256,
  writeAtomically,
  writeConvertedModel,
} from '../onnx-convert/converted-models.ts';
import { loadOnnxModel, type OnnxModel } from './onnx-runtime.ts';
import type { FaceRuntime } from './tfjs-runtime.ts';

/** The engine's tfjs networks converted to ONNX (ADR 0011), one session each on this thread. */
export type OnnxNetworks = Record<ConvertedNetwork, OnnxModel>;

const NETWORKS = Object.keys(CONVERTED_MODEL_FILES) as ConvertedNetwork[];

/** What the generated files were converted from, next to them in models/generated/manifest.json. */
interface Manifest {
  converterVersion: number;
  faceApi: string;
  sha256: Record<string, string>;
}

const manifestPath = () => path.join(path.dirname(convertedModelPath('recognition')), 'manifest.json');

/** The generated files when they exist, come from this converter and these package versions, and are intact. */
async function readGenerated(runtime: FaceRuntime): Promise<Map<ConvertedNetwork, Uint8Array> | null> {
  try {
    const manifest = JSON.parse(await readFile(manifestPath(), 'utf8')) as Manifest;
    if (manifest.converterVersion !== CONVERTER_VERSION || manifest.faceApi !== runtime.faceApiVersion)
      return null;
    const files = new Map<ConvertedNetwork, Uint8Array>();
    for (const network of NETWORKS) {
      const bytes = new Uint8Array(await readFile(convertedModelPath(network)));
      if (sha256(bytes) !== manifest.sha256[CONVERTED_MODEL_FILES[network]]) return null;
      files.set(network, bytes);
    }
    return files;
  } catch {
    return null;
  }
}

/** Every network converted from the weights loaded into tfjs. */
async function convertAll(runtime: FaceRuntime): Promise<Map<ConvertedNetwork, Uint8Array>> {
  const files = new Map<ConvertedNetwork, Uint8Array>();
  for (const network of NETWORKS) files.set(network, await convertNetwork(runtime, network));
  return files;
}

/** Writes the converted files and their manifest (last, so it only ever names complete files). */
async function writeGenerated(runtime: FaceRuntime, files: Map<ConvertedNetwork, Uint8Array>): Promise<void> {
  for (const [network, bytes] of files) await writeConvertedModel(network, bytes);
  const manifest: Manifest = {
    converterVersion: CONVERTER_VERSION,
    faceApi: runtime.faceApiVersion,
    sha256: Object.fromEntries(
      NETWORKS.map((n) => [CONVERTED_MODEL_FILES[n], sha256(files.get(n) as Uint8Array)]),
    ),
  };
  await writeAtomically(manifestPath(), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** `npm run models:onnx`: converts every network and writes the files and their manifest; returns the bytes. */
export async function generateOnnxNetworks(runtime: FaceRuntime): Promise<Map<ConvertedNetwork, Uint8Array>> {
  const files = await convertAll(runtime);
  await writeGenerated(runtime, files);
  return files;
}

/**
 * ONNX sessions of the converted networks. Reads models/generated/ when it holds this version's
 * files; otherwise loads the tfjs networks (`withTfjsNetworks`), converts them here and tries to write
 * them for the next start (a read-only install still runs, from the bytes in memory).
 */
export async function loadOnnxNetworks(
  core: FaceRuntime,
  withTfjsNetworks: () => Promise<FaceRuntime>,
): Promise<OnnxNetworks> {
  let files = await readGenerated(core);
  if (!files) {
    const runtime = await withTfjsNetworks();
    files = await convertAll(runtime);
    await writeGenerated(runtime, files).catch(() => undefined);
  }
  const networks = {} as OnnxNetworks;
  for (const network of NETWORKS) networks[network] = await loadOnnxModel(files.get(network) as Uint8Array);
  return networks;
}
