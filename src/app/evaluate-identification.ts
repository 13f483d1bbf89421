import type { MatchPolicy } from '../core/open-set.ts';
import { evaluateOpenSet, type OpenSetEvaluation } from '../core/open-set-evaluation.ts';
import { openSetProtocol, type PersonPhotos } from '../core/open-set-protocol.ts';
import type { FaceEngine } from '../ports/face-engine.ts';
import { embedCentreFaces } from './embed-photos.ts';

export interface IdentificationEvaluation extends OpenSetEvaluation {
  /** Photos embedded (enrolment photos and probes). */
  photos: number;
  /** Photos in which no face was found (or that could not be read). */
  photosWithoutFace: number;
  seconds: number;
}

/**
 * The open-set identification protocol (core/open-set-protocol.ts) on a folder of people: embeds every
 * photo once (the face nearest the centre), then scores enrolment and probes with `policy`.
 */
export async function evaluateIdentification(options: {
  engine: FaceEngine;
  people: readonly PersonPhotos[];
  /** Only the first `limit` people in name order. */
  limit?: number;
  policy: MatchPolicy;
  readImage: (photo: string) => Promise<Uint8Array>;
  onProgress?: (done: number, total: number) => void;
}): Promise<IdentificationEvaluation> {
  const started = performance.now();
  const protocol = openSetProtocol(options.people, options.limit);
  const photos = [
    ...protocol.enrolled.map((e) => e.photo),
    ...protocol.mated.map((p) => p.photo),
    ...protocol.nonMated.map((p) => p.photo),
  ];
  const { model, embeddings } = await embedCentreFaces({
    engine: options.engine,
    paths: photos,
    readImage: options.readImage,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const byPhoto = new Map(photos.map((photo, i) => [photo, embeddings[i] ?? null]));
  const evaluation = evaluateOpenSet(protocol, (photo) => byPhoto.get(photo) ?? null, model, options.policy);
  return {
    ...evaluation,
    photos: photos.length,
    photosWithoutFace: embeddings.filter((e) => e === null).length,
    seconds: (performance.now() - started) / 1000,
  };
}
