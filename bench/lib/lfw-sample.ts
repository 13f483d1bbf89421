import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parsePairs, type VerificationPair } from '../../src/app/evaluate-pairs.ts';

export const LFW_DEV = path.resolve(import.meta.dirname, '../../../shared/faces/lfw-dev');

/** Deterministic PRNG (mulberry32) so every run measures the same photos. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export interface LfwSample {
  /** Paths relative to lfw-dev. */
  photos: string[];
  /** Pairs whose two photos are both in the sample (all pairs with --full). */
  pairs: VerificationPair[];
}

async function allPhotos(): Promise<string[]> {
  const people = (await readdir(LFW_DEV, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  const photos: string[] = [];
  for (const person of people.sort())
    for (const file of (await readdir(path.join(LFW_DEV, person))).sort()) photos.push(`${person}/${file}`);
  return photos;
}

/**
 * A seeded sample of `size` lfw-dev photos drawn pair by pair from pairs.tsv (so that the sample's
 * verification accuracy rests on hundreds of pairs), or every photo with `full`.
 */
export async function lfwSample(size: number, full: boolean, seed = 42): Promise<LfwSample> {
  const pairs = parsePairs(await readFile(path.join(LFW_DEV, 'pairs.tsv'), 'utf8'));
  if (full) return { photos: await allPhotos(), pairs };
  const chosen = new Set<string>();
  for (const pair of shuffle(pairs, seededRandom(seed))) {
    const adds = [pair.first, pair.second].filter((p) => !chosen.has(p)).length;
    if (chosen.size + adds > size) continue;
    chosen.add(pair.first);
    chosen.add(pair.second);
    if (chosen.size >= size) break;
  }
  // Keep pairs.tsv order (the LFW folds are consecutive runs of it).
  const inSample = pairs.filter((p) => chosen.has(p.first) && chosen.has(p.second));
  return { photos: shuffle([...chosen].sort(), seededRandom(seed + 1)), pairs: inSample };
}
