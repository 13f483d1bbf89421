/**
 * One phase of `npm run bench:engine`, run in its own process by bench/engine.bench.ts.
 *   baseline <listFile>          naive face-api pipeline, main thread, one image at a time
 *   engine <listFile> <threads>  faceflow engine pool; also scores the sample's pairs
 *   stress <listFile>            4-thread pool, memory worst case: faceless 2048-pixel photos (the
 *                                whole detector cascade runs on each) mixed with the demo and sample photos
 *   group-baseline <listFile>    naive face-api (SSD MobileNet v1 at its defaults) on wider-dev's group
 *                                photos, one thread: time per photo and detection scores
 *   group <listFile>             the engine on the same photos, one thread
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { parseBoxes } from '../src/app/evaluate-detection.ts';
import type { VerificationPair } from '../src/app/evaluate-pairs.ts';
import { countPhoto, summarise } from '../src/core/detection-metrics.ts';
import { euclideanDistance } from '../src/core/embedding.ts';
import { selectFaces } from '../src/core/face-selection.ts';
import { mapOrdered } from '../src/core/ordered-map.ts';
import { evaluateVerification } from '../src/core/verification-metrics.ts';
import { decodeImage } from '../src/engine/decode/image-decoder.ts';
import { createFaceEngine } from '../src/engine/index.ts';
import { restoreFaceApiForwardPasses } from '../src/engine/lean/index.ts';
import { ENGINE_RUNTIMES, type EngineRuntimeChoice } from '../src/engine/runtime/engine-runtime.ts';
import { loadFaceRuntime, loadSsdMobilenet } from '../src/engine/runtime/tfjs-runtime.ts';
import { peakRssMb } from './lib/bench-io.ts';

interface PhaseInput {
  root: string;
  photos: string[];
  pairs: VerificationPair[];
  demo: string[];
  /** wider-dev's annotations (boxes.tsv) for the group phases. */
  boxes?: string;
}

const [phase, listFile, threadsArg, runtimeArg = 'auto'] = process.argv.slice(2);
if (!(ENGINE_RUNTIMES as readonly string[]).includes(runtimeArg))
  throw new Error(`unknown runtime ${runtimeArg}`);
/** Where the engine phases run the networks (bench:engine --runtime; ADR 0011). */
const runtime = runtimeArg as EngineRuntimeChoice;
const input = JSON.parse(await readFile(listFile as string, 'utf8')) as PhaseInput;
const load = (files: string[], root: string) => Promise.all(files.map((f) => readFile(path.join(root, f))));

async function baseline() {
  const runtime = await loadFaceRuntime();
  const { tf, faceapi } = runtime;
  // face-api as shipped: its own forward passes and SSD MobileNet v1.
  restoreFaceApiForwardPasses(faceapi);
  await loadSsdMobilenet(runtime);
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
  const pool = await createFaceEngine({ threads, runtime });
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
    runtime: pool.runtime.kind,
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

/** A faceless 2048×1536 photo: smoothed noise, deterministic per seed. */
async function facelessPhoto(seed: number): Promise<Buffer> {
  const width = 2048;
  const height = 1536;
  const pixels = Buffer.alloc(width * height * 3);
  let state = seed;
  for (let i = 0; i < pixels.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    pixels[i] = state >>> 24;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .blur(3)
    .jpeg()
    .toBuffer();
}

async function stress() {
  const faceless = await Promise.all(Array.from({ length: 12 }, (_, i) => facelessPhoto(i + 1)));
  const demo = await load(input.demo, '/');
  const photos = await load(input.photos, input.root);
  // Big photos first and side by side, so that all four threads hold their largest working sets at once.
  const all = [...faceless, ...demo, ...demo, ...photos];
  const pool = await createFaceEngine({ threads: 4, runtime });
  const started = performance.now();
  const results = await pool.analyzeBatch(all);
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return {
    threads: 4,
    images: all.length,
    facelessImages: faceless.length,
    faces: results.reduce((n, r) => n + (r.ok ? r.analysis.faces.length : 0), 0),
    facesInFacelessPhotos: results
      .slice(0, faceless.length)
      .reduce((n, r) => n + (r.ok ? r.analysis.faces.length : 0), 0),
    imagesPerSecond: all.length / seconds,
    peakRssMb: peakRssMb(),
  };
}

type Box = { left: number; top: number; width: number; height: number; score: number };
/** Faces of one photo, and the seconds its detection stage took. */
type Found = { boxes: Box[]; detectSeconds: number };

/** Time per photo (whole pipeline and detection alone) and the detection report over wider-dev. */
async function groupPhotos(find: (bytes: Buffer) => Promise<Found>) {
  const boxes = parseBoxes(await readFile(input.boxes as string, 'utf8'));
  const files = [...boxes.keys()];
  const photos = await load(files, input.root);
  await find(photos[0] as Buffer);
  const counts = [];
  let seconds = 0;
  let detectSeconds = 0;
  for (const [i, bytes] of photos.entries()) {
    const started = performance.now();
    const found = await find(bytes);
    seconds += (performance.now() - started) / 1000;
    detectSeconds += found.detectSeconds;
    counts.push(countPhoto(boxes.get(files[i] as string) ?? [], found.boxes));
  }
  return {
    ...summarise(counts),
    secondsPerPhoto: seconds / photos.length,
    detectSecondsPerPhoto: detectSeconds / photos.length,
    peakRssMb: peakRssMb(),
  };
}

/**
 * face-api as shipped, SSD MobileNet v1 at its defaults (minConfidence 0.5): the detector alone is
 * timed first, then the whole pipeline (detection again, landmarks, descriptors).
 */
async function groupBaseline() {
  const runtime = await loadFaceRuntime();
  const { tf, faceapi } = runtime;
  restoreFaceApiForwardPasses(faceapi);
  await loadSsdMobilenet(runtime);
  const options = new faceapi.SsdMobilenetv1Options();
  return groupPhotos(async (bytes) => {
    const { image } = await decodeImage(bytes);
    const tensor = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    try {
      const started = performance.now();
      await faceapi.detectAllFaces(tensor, options);
      const detectSeconds = (performance.now() - started) / 1000;
      const found = await faceapi.detectAllFaces(tensor, options).withFaceLandmarks().withFaceDescriptors();
      return {
        boxes: found.map(({ detection: { box, score } }) => ({ ...boxOf(box), score })),
        detectSeconds,
      };
    } finally {
      tensor.dispose();
    }
  });
}

function boxOf(box: { x: number; y: number; width: number; height: number }) {
  return { left: box.x, top: box.y, width: box.width, height: box.height };
}

async function group() {
  const pool = await createFaceEngine({ threads: 1, runtime });
  try {
    return await groupPhotos(async (bytes) => {
      const before = pool.stageTotals().detect;
      const analysis = await pool.analyze(bytes);
      return {
        boxes: analysis.faces.map(({ box, score }) => ({
          left: box.left,
          top: box.top,
          width: box.right - box.left,
          height: box.bottom - box.top,
          score,
        })),
        detectSeconds: (pool.stageTotals().detect - before) / 1000,
      };
    });
  } finally {
    await pool.close();
  }
}

const phases: Record<string, () => Promise<unknown>> = {
  baseline,
  stress,
  engine: () => engine(Number(threadsArg)),
  'group-baseline': groupBaseline,
  group,
};
const run = phases[phase as string];
if (!run) throw new Error(`unknown phase ${phase}`);
const result = await run();
process.stdout.write(`${JSON.stringify(result)}\n`);
