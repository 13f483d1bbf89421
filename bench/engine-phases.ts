/**
 * One phase of `npm run bench:engine`, run in its own process by bench/engine.bench.ts.
 *   baseline <listFile>          naive face-api pipeline, main thread, one image at a time
 *   engine <listFile> <threads>  faceflow engine pool; also scores the sample's pairs
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { VerificationPair } from '../src/app/evaluate-pairs.ts';
import { euclideanDistance } from '../src/core/embedding.ts';
import { selectFaces } from '../src/core/face-selection.ts';
import { mapOrdered } from '../src/core/ordered-map.ts';
import { evaluateVerification } from '../src/core/verification-metrics.ts';
import { decodeImage } from '../src/engine/decode/image-decoder.ts';
import { createFaceEngine } from '../src/engine/index.ts';
import { loadFaceRuntime } from '../src/engine/runtime/tfjs-runtime.ts';
import { peakRssMb } from './lib/bench-io.ts';

interface PhaseInput {
  root: string;
  photos: string[];
  pairs: VerificationPair[];
  demo: string[];
}

const [phase, listFile, threadsArg] = process.argv.slice(2);
const input = JSON.parse(await readFile(listFile as string, 'utf8')) as PhaseInput;
const load = (files: string[], root: string) => Promise.all(files.map((f) => readFile(path.join(root, f))));

async function baseline() {
  const { tf, faceapi } = await loadFaceRuntime();
  const photos = await load(input.photos, input.root);
  const run = async (bytes: Uint8Array) => {
    const { image } = await decodeImage(bytes);
    const tensor = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    try {
      return await faceapi
        .detectAllFaces(tensor, new faceapi.SsdMobilenetv1Options())
        .withFaceLandmarks()
        .withFaceDescriptors();
    } finally {
      tensor.dispose();
    }
  };
  await run(photos[0] as Buffer);
  let faces = 0;
  let missed = 0;
  const started = performance.now();
  for (const bytes of photos) {
    const found = await run(bytes);
    faces += found.length;
    if (found.length === 0) missed++;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    images: photos.length,
    faces,
    missed,
    seconds,
    imagesPerSecond: photos.length / seconds,
    peakRssMb: peakRssMb(),
  };
}

async function engine(threads: number) {
  const pool = await createFaceEngine({ threads });
  const photos = await load(input.photos, input.root);
  const demo = await load(input.demo, '/');
  for (const warm of photos.slice(0, threads)) await pool.analyze(warm);
  const before = pool.stageTotals();
  const embeddings = new Map<string, Float32Array | null>();
  let missed = 0;
  const started = performance.now();
  await mapOrdered(
    photos,
    threads * 2,
    (bytes) => pool.analyze(bytes),
    (analysis, index) => {
      const [face] = selectFaces(analysis.faces, 'center', analysis.width, analysis.height);
      if (!face) missed++;
      embeddings.set(input.photos[index] as string, face?.embedding ?? null);
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const after = pool.stageTotals();
  const demoStarted = performance.now();
  const demoResults = await pool.analyzeBatch(demo);
  const demoSeconds = (performance.now() - demoStarted) / 1000;
  await pool.close();
  const faces = after.faces - before.faces;
  const perFace = (stage: 'decode' | 'detect' | 'landmarks' | 'embed') =>
    (after[stage] - before[stage]) / Math.max(1, faces);
  const scored = input.pairs.map((p) => {
    const a = embeddings.get(p.first);
    const b = embeddings.get(p.second);
    return { same: p.same, distance: a && b ? euclideanDistance(a, b) : null };
  });
  const report = scored.length >= 10 ? evaluateVerification(scored) : null;
  return {
    threads,
    images: photos.length,
    faces,
    missed,
    seconds,
    imagesPerSecond: photos.length / seconds,
    msPerFace: {
      decode: perFace('decode'),
      detect: perFace('detect'),
      landmarks: perFace('landmarks'),
      embed: perFace('embed'),
    },
    demo: {
      images: demo.length,
      faces: demoResults.reduce((n, r) => n + (r.ok ? r.analysis.faces.length : 0), 0),
      imagesPerSecond: demo.length / demoSeconds,
    },
    verification: report && {
      pairs: report.pairs,
      accuracy: report.accuracy,
      std: report.std,
      auc: report.auc,
      threshold: report.threshold,
      missedFacePairs: report.missedFacePairs,
    },
    peakRssMb: peakRssMb(),
  };
}

const result = phase === 'baseline' ? await baseline() : await engine(Number(threadsArg));
process.stdout.write(`${JSON.stringify(result)}\n`);
