import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { lfwDevEmbeddings } from '../../scripts/lib/lfw-embeddings.ts';
import { LFW_DEV } from './lfw-sample.ts';

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

/**
 * The centre-face embedding of each photo of `people`, from the real engine: the lfw-dev cache that
 * fit:open-set and bench:engine share (scripts/lib/lfw-embeddings.ts; embedded once per model version
 * with `threads` engine threads when the cache lacks the current model). Photos without a face are left out.
 */
export async function lfwEmbeddings(
  people: { person: string; photos: string[] }[],
  threads = 1,
): Promise<{ model: { name: string; version: string }; faces: LabelledFace[] }> {
  const cached = await lfwDevEmbeddings({ threads });
  const faces: LabelledFace[] = [];
  for (const { person, photos } of people)
    for (const photo of photos) {
      const embedding = cached.byPath.get(photo);
      if (embedding) faces.push({ photo, person, embedding });
    }
  return { model: cached.model, faces };
}
