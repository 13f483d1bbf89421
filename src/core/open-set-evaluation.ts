import type { ModelInfo } from './face.ts';
import { Gallery, type GallerySearch } from './gallery.ts';
import {
  type IdentificationReport,
  identificationReport,
  type ScoredProbe,
} from './identification-metrics.ts';
import { type MatchPolicy, policyThreshold } from './open-set.ts';
import type { OpenSetProtocol } from './open-set-protocol.ts';

export interface SubGalleryFpir {
  /** The first `people` enrolled people (protocol order) form the gallery; every non-mated probe is tried. */
  people: number;
  threshold: number;
  fpir: number;
}

export interface OpenSetEvaluation extends IdentificationReport {
  /** People enrolled (those whose enrolment photo has a face). */
  galleryPeople: number;
  /** Enrolled people whose enrolment photo had no face (left out of the gallery). */
  enrolledWithoutFace: number;
  /** Probes without a face (they get no name). */
  probesWithoutFace: number;
  /** The threshold of the decision at the full gallery. */
  threshold: number;
  subGalleries: SubGalleryFpir[];
}

export const SUB_GALLERY_SIZES = [1, 10, 100] as const;

/** A gallery of these people's embeddings (one each); the flat exact `Gallery` unless told otherwise. */
export type GalleryBuilder = (
  model: ModelInfo,
  enrolled: readonly { person: string; embedding: Float32Array }[],
) => GallerySearch;

const flatGallery: GalleryBuilder = (model, enrolled) => {
  const gallery = new Gallery(model, Math.max(1, enrolled.length));
  for (const { person, embedding } of enrolled) gallery.add(person, embedding);
  return gallery;
};

/**
 * Scores the protocol with embeddings already computed (`embeddingOf` gives null for a photo without a
 * face): builds the gallery of enrolled people, decides on every probe with `policy`, and measures FPIR
 * on smaller galleries (the first k enrolled people) so the gallery-size behaviour shows. `buildGallery`
 * lets a search index be scored the same way (bench/search.bench.ts).
 */
export function evaluateOpenSet(
  protocol: OpenSetProtocol,
  embeddingOf: (photo: string) => Float32Array | null,
  model: ModelInfo,
  policy: MatchPolicy,
  subGallerySizes: readonly number[] = SUB_GALLERY_SIZES,
  buildGallery: GalleryBuilder = flatGallery,
): OpenSetEvaluation {
  const enrolled = protocol.enrolled.flatMap(({ person, photo }) => {
    const embedding = embeddingOf(photo);
    return embedding ? [{ person, embedding }] : [];
  });
  const galleryOf = (people: number) => buildGallery(model, enrolled.slice(0, people));
  const gallery = galleryOf(enrolled.length);
  const probes = [...protocol.mated, ...protocol.nonMated];
  const embeddings = probes.map((p) => embeddingOf(p.photo));
  const scored: ScoredProbe[] = probes.map((probe, i) => {
    const embedding = embeddings[i];
    if (!embedding)
      return { mated: probe.mated, person: probe.person, found: false, nearest: null, named: null };
    const decision = gallery.decide(embedding, policy);
    return {
      mated: probe.mated,
      person: probe.person,
      found: true,
      nearest: decision.nearest,
      named: decision.match?.personId ?? null,
    };
  });
  const nonMated = probes.flatMap((p, i) => (p.mated ? [] : [embeddings[i] ?? null]));
  const subGalleries = subGallerySizes
    .filter((k) => k < enrolled.length)
    .map((people) => {
      const small = galleryOf(people);
      let named = 0;
      for (const embedding of nonMated) if (embedding && small.decide(embedding, policy).match) named++;
      return {
        people,
        threshold: policyThreshold(policy, people),
        fpir: nonMated.length === 0 ? 0 : named / nonMated.length,
      };
    });
  return {
    ...identificationReport(scored),
    galleryPeople: enrolled.length,
    enrolledWithoutFace: protocol.enrolled.length - enrolled.length,
    probesWithoutFace: scored.filter((p) => !p.found).length,
    threshold: policyThreshold(policy, enrolled.length),
    subGalleries,
  };
}
