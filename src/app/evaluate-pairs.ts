import { euclideanDistance } from '../core/embedding.ts';
import { AppError } from '../core/errors.ts';
import {
  evaluateVerification,
  type ScoredPair,
  type VerificationReport,
} from '../core/verification-metrics.ts';
import type { FaceEngine } from '../ports/face-engine.ts';
import { embedCentreFaces } from './embed-photos.ts';

export interface VerificationPair {
  same: boolean;
  first: string;
  second: string;
}

/** Parses LFW-style pairs: `same|diff<TAB>path1<TAB>path2` per line; `#` comments and blank lines ignored. */
export function parsePairs(text: string): VerificationPair[] {
  const pairs: VerificationPair[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const [label, first, second, ...rest] = trimmed.split('\t');
    if ((label !== 'same' && label !== 'diff') || !first || !second || rest.length > 0) {
      throw new AppError('invalid_input', `pairs line ${index + 1}: expected "same|diff<TAB>path<TAB>path"`);
    }
    pairs.push({ same: label === 'same', first, second });
  });
  if (pairs.length === 0) throw new AppError('invalid_input', 'the pairs file holds no pairs');
  return pairs;
}

export interface PairEvaluation extends VerificationReport {
  /** Every pair with its distance (null when a face was missed), in input order. */
  scored: ScoredPair[];
  images: number;
  imagesWithoutFace: number;
  seconds: number;
}

/**
 * Embeds every photo named by the pairs once (the face nearest the centre, as LFW labels it),
 * then scores the pairs with the LFW protocol. Unreadable photos count as missed faces.
 */
export async function evaluatePairs(options: {
  engine: FaceEngine;
  pairs: readonly VerificationPair[];
  readImage: (path: string) => Promise<Uint8Array>;
  onProgress?: (done: number, total: number) => void;
}): Promise<PairEvaluation> {
  const started = performance.now();
  const paths = [...new Set(options.pairs.flatMap((p) => [p.first, p.second]))];
  const { embeddings: list } = await embedCentreFaces({ ...options, paths });
  const embeddings = new Map(paths.map((path, i) => [path, list[i] ?? null]));
  const scored: ScoredPair[] = options.pairs.map((p) => {
    const a = embeddings.get(p.first);
    const b = embeddings.get(p.second);
    return { same: p.same, distance: a && b ? euclideanDistance(a, b) : null };
  });
  return {
    ...evaluateVerification(scored),
    scored,
    images: paths.length,
    imagesWithoutFace: [...embeddings.values()].filter((e) => e === null).length,
    seconds: (performance.now() - started) / 1000,
  };
}
