import type { Box } from '../core/face.ts';
import type { PersonRef } from '../ports/event-bus.ts';
import type { FaceEngine } from '../ports/face-engine.ts';
import type { ImageStore } from '../ports/image-store.ts';
import type { GalleryCache } from './gallery-cache.ts';

export interface IdentifiedFace {
  box: Box;
  score: number;
  /** The nearest person within the threshold, or null for an unknown face. */
  match: (PersonRef & { distance: number }) | null;
  /** The nearest people, within the threshold or not. */
  candidates: (PersonRef & { distance: number })[];
}

export interface IdentifyResult {
  width: number;
  height: number;
  model: string;
  threshold: number;
  faces: IdentifiedFace[];
}

/** Synchronous identification: a photo in, every face with its best matches out; nothing is stored. */
export async function identifyPhoto(
  deps: { engine: FaceEngine; galleries: GalleryCache; store: ImageStore; threshold: number },
  bytes: Uint8Array,
  candidates = 3,
): Promise<IdentifyResult> {
  const analysis = await deps.engine.analyze(bytes, { priority: 'interactive' });
  const { gallery } = await deps.galleries.current();
  const names = new Map((await deps.store.listPeople()).map((p) => [p.id, p.name]));
  const ref = (m: { personId: string; distance: number }) => ({
    id: m.personId,
    name: names.get(m.personId) ?? '',
    distance: m.distance,
  });
  return {
    width: analysis.width,
    height: analysis.height,
    model: `${analysis.model.name}@${analysis.model.version}`,
    threshold: deps.threshold,
    faces: analysis.faces.map((face) => {
      const nearest = gallery.size > 0 ? gallery.search(face.embedding, candidates, analysis.model) : [];
      const best = nearest[0];
      return {
        box: face.box,
        score: face.score,
        match: best !== undefined && best.distance <= deps.threshold ? ref(best) : null,
        candidates: nearest.map(ref),
      };
    }),
  };
}
