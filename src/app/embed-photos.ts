import { AppError } from '../core/errors.ts';
import type { ModelInfo } from '../core/face.ts';
import { selectFaces } from '../core/face-selection.ts';
import { mapOrdered } from '../core/ordered-map.ts';
import type { FaceEngine } from '../ports/face-engine.ts';

export interface PhotoEmbeddings {
  model: ModelInfo;
  /** One entry per input path, in input order: the embedding of the face nearest the photo's centre, or null. */
  embeddings: (Float32Array | null)[];
}

/**
 * Embeds the face nearest the centre of each photo (the labelled person of a face data set such as
 * LFW). A photo without a face, or one the engine rejects as bad input, gives null.
 */
export async function embedCentreFaces(options: {
  engine: FaceEngine;
  paths: readonly string[];
  readImage: (path: string) => Promise<Uint8Array>;
  onProgress?: (done: number, total: number) => void;
}): Promise<PhotoEmbeddings> {
  const embeddings: (Float32Array | null)[] = new Array(options.paths.length).fill(null);
  const inFlight = Math.max(2, options.engine.stats().threads * 2);
  await mapOrdered(
    options.paths,
    inFlight,
    async (path) => {
      try {
        const analysis = await options.engine.analyze(await options.readImage(path));
        const [face] = selectFaces(analysis.faces, 'center', analysis.width, analysis.height);
        return face ? face.embedding : null;
      } catch (error) {
        if (error instanceof AppError) return null;
        throw error;
      }
    },
    (embedding, index) => {
      embeddings[index] = embedding;
      options.onProgress?.(index + 1, options.paths.length);
    },
  );
  return { model: options.engine.model, embeddings };
}
