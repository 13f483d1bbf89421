import type { Box } from '../core/face.ts';
import {
  decideIdentity,
  type MatchPolicy,
  type OperatingPoint,
  policyOf,
  policyThreshold,
} from '../core/open-set.ts';
import type { PersonRef } from '../ports/event-bus.ts';
import type { FaceEngine } from '../ports/face-engine.ts';
import type { GalleryLookup } from '../ports/gallery-lookup.ts';
import type { PhotoStores } from '../ports/photo-stores.ts';

export interface IdentifiedFace {
  box: Box;
  score: number;
  /** The nearest person when the decision accepts them, or null for an unknown face. */
  match: (PersonRef & { distance: number }) | null;
  /** The nearest people, accepted or not. */
  candidates: (PersonRef & { distance: number })[];
  /** How the decision was taken: distances, margin, threshold used and the reason. */
  operatingPoint: OperatingPoint;
}

export interface IdentifyResult {
  width: number;
  height: number;
  model: string;
  /** The threshold applied at the current gallery size. */
  threshold: number;
  faces: IdentifiedFace[];
}

/** Synchronous identification: a photo in, every face with its best matches out; nothing is stored. */
export async function identifyPhoto(
  deps: {
    engine: FaceEngine;
    galleries: GalleryLookup;
    stores: Pick<PhotoStores, 'people'>;
    match?: MatchPolicy;
    threshold?: number;
  },
  bytes: Uint8Array,
  candidates = 3,
): Promise<IdentifyResult> {
  const analysis = await deps.engine.analyze(bytes, { priority: 'interactive' });
  const policy = policyOf(deps, deps.galleries.model.threshold);
  // The two nearest decide; `candidates` are shown: one lookup for every face of the photo.
  const answer = await deps.galleries.nearest(
    analysis.faces.map((face) => face.embedding),
    Math.max(2, candidates),
    analysis.model,
  );
  const names = new Map((await deps.stores.people.listPeople()).map((p) => [p.id, p.name]));
  const ref = (m: { personId: string; distance: number }) => ({
    id: m.personId,
    name: names.get(m.personId) ?? '',
    distance: m.distance,
  });
  return {
    width: analysis.width,
    height: analysis.height,
    model: `${analysis.model.name}@${analysis.model.version}`,
    threshold: policyThreshold(policy, answer.peopleCount),
    faces: analysis.faces.map((face, i) => {
      const people = answer.nearest[i] ?? [];
      const nearest = people.slice(0, Math.max(0, candidates));
      const decision = decideIdentity(people.slice(0, 2), answer.peopleCount, policy);
      return {
        box: face.box,
        score: face.score,
        match: decision.match ? ref(decision.match) : null,
        candidates: nearest.map(ref),
        operatingPoint: decision.operatingPoint,
      };
    }),
  };
}
