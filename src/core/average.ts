import { EmbeddingSum, type SerializedEmbeddingSum } from './exact-sum.ts';

/** Why a data set entry did not contribute a face. */
export const SKIP_REASONS = ['unreadable', 'not_an_image', 'no_face', 'too_large'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface SkippedEntry {
  entry: string;
  reason: SkipReason;
  message?: string;
}

/** What one chunk contributes: exact sums of the faces used, and what happened to each photo. */
export interface ChunkPartial {
  /** Null when no face of the chunk was used. */
  sum: SerializedEmbeddingSum | null;
  photos: number;
  photosUsed: number;
  faces: number;
  skipped: SkippedEntry[];
  model: { name: string; version: string; dimensions: number } | null;
}

export interface AverageTotals {
  photos: number;
  photosUsed: number;
  faces: number;
  skipped: Record<SkipReason, number>;
}

export interface AverageResult {
  model: { name: string; version: string; dimensions: number };
  counts: AverageTotals;
  mean: number[];
  normalizedMean: number[];
  std: number[];
  /** Skipped entries with their reasons (the first `MAX_SKIPPED_LISTED`). */
  skippedEntries: SkippedEntry[];
}

export const MAX_SKIPPED_LISTED = 1000;

export function emptyCounts(): Record<SkipReason, number> {
  return { unreadable: 0, not_an_image: 0, no_face: 0, too_large: 0 };
}

/**
 * Reduces chunk partials (given with their chunk index) to the result. Partials are taken in chunk
 * order and the sums are exact integers, so the result depends only on the set of chunks.
 */
export function reducePartials(partials: { index: number; partial: ChunkPartial }[]): AverageResult | null {
  const ordered = [...partials].sort((a, b) => a.index - b.index);
  let total: EmbeddingSum | null = null;
  let model: ChunkPartial['model'] = null;
  const counts: AverageTotals = { photos: 0, photosUsed: 0, faces: 0, skipped: emptyCounts() };
  const skippedEntries: SkippedEntry[] = [];
  for (const { partial } of ordered) {
    counts.photos += partial.photos;
    counts.photosUsed += partial.photosUsed;
    counts.faces += partial.faces;
    for (const skipped of partial.skipped) {
      counts.skipped[skipped.reason]++;
      if (skippedEntries.length < MAX_SKIPPED_LISTED) skippedEntries.push(skipped);
    }
    if (partial.sum) {
      if (
        model &&
        partial.model &&
        (model.name !== partial.model.name || model.version !== partial.model.version)
      )
        throw new RangeError(
          `chunks were embedded by different models (${model.name}@${model.version} and ${partial.model.name}@${partial.model.version})`,
        );
      model ??= partial.model;
      const sum = EmbeddingSum.fromJSON(partial.sum);
      if (total) total.merge(sum);
      else total = sum;
    }
  }
  if (!total || total.count === 0 || !model) return null;
  const stats = total.statistics();
  return {
    model,
    counts,
    mean: stats.mean,
    normalizedMean: stats.normalizedMean,
    std: stats.std,
    skippedEntries,
  };
}

/** Totals of partials without the sums (progress while a job runs). */
export function countPartials(partials: ChunkPartial[]): AverageTotals {
  const counts: AverageTotals = { photos: 0, photosUsed: 0, faces: 0, skipped: emptyCounts() };
  for (const p of partials) {
    counts.photos += p.photos;
    counts.photosUsed += p.photosUsed;
    counts.faces += p.faces;
    for (const s of p.skipped) counts.skipped[s.reason]++;
  }
  return counts;
}
