import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { embedCentreFaces } from '../../src/app/embed-photos.ts';
import { createFaceEngine } from '../../src/engine/index.ts';
import { LFW_DEV } from './lfw-sample.ts';

/** Where embeddings of lfw-dev photos are kept between runs (scratch/ is git-ignored). */
const CACHE = path.resolve(import.meta.dirname, '../../scratch/grouping/lfw-dev-embeddings.json');

interface Cache {
  model: { name: string; version: string };
  /** Photo path relative to lfw-dev → base64 of the centre face's Float32 embedding, or null (no face). */
  photos: Record<string, string | null>;
}

export interface LabelledFace {
  photo: string;
  person: string;
  embedding: Float32Array;
}

/** lfw-dev's people (folder names, sorted) with their photos (paths relative to lfw-dev, sorted). */
export async function lfwPeople(): Promise<{ person: string; photos: string[] }[]> {
  const people = (await readdir(LFW_DEV, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  return Promise.all(
    people.map(async (person) => ({
      person,
      photos: (await readdir(path.join(LFW_DEV, person))).sort().map((file) => `${person}/${file}`),
    })),
  );
}

async function readCache(): Promise<Cache | null> {
  if (!existsSync(CACHE)) return null;
  return JSON.parse(await readFile(CACHE, 'utf8')) as Cache;
}

async function writeCache(cache: Cache): Promise<void> {
  await mkdir(path.dirname(CACHE), { recursive: true });
  await writeFile(`${CACHE}.tmp`, JSON.stringify(cache));
  await rename(`${CACHE}.tmp`, CACHE);
}

function decode(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/**
 * The centre-face embedding of each photo of `people`, from the real engine (one thread), computing
 * only the photos the cache lacks (or all of them when the engine's model changed). Photos without a
 * face are left out.
 */
export async function lfwEmbeddings(
  people: { person: string; photos: string[] }[],
  onProgress?: (done: number, total: number) => void,
): Promise<{ model: { name: string; version: string }; faces: LabelledFace[] }> {
  const wanted = people.flatMap((p) => p.photos);
  let cache = await readCache();
  if (cache === null || wanted.some((photo) => !(photo in (cache as Cache).photos)))
    cache = await embedMissing(cache, wanted, onProgress);
  const faces: LabelledFace[] = [];
  for (const { person, photos } of people)
    for (const photo of photos) {
      const stored = cache.photos[photo];
      if (stored) faces.push({ photo, person, embedding: decode(stored) });
    }
  return { model: cache.model, faces };
}

/** Embeds the `wanted` photos the cache lacks (all of them when the engine's model changed), saving as it goes. */
async function embedMissing(
  previous: Cache | null,
  wanted: string[],
  onProgress?: (done: number, total: number) => void,
): Promise<Cache> {
  const engine = await createFaceEngine({ threads: 1 });
  try {
    const model = { name: engine.model.name, version: engine.model.version };
    const cache: Cache =
      previous && previous.model.name === model.name && previous.model.version === model.version
        ? previous
        : { model, photos: {} };
    const missing = wanted.filter((photo) => !(photo in cache.photos));
    for (let start = 0; start < missing.length; start += 200) {
      const batch = missing.slice(start, start + 200);
      const { embeddings } = await embedCentreFaces({
        engine,
        paths: batch,
        readImage: (photo) => readFile(path.join(LFW_DEV, photo)),
        onProgress: (done) => onProgress?.(start + done, missing.length),
      });
      batch.forEach((photo, i) => {
        const e = embeddings[i];
        cache.photos[photo] = e ? Buffer.from(e.buffer, e.byteOffset, e.byteLength).toString('base64') : null;
      });
      await writeCache(cache);
    }
    return cache;
  } finally {
    await engine.close();
  }
}
