import type { Box } from '../core/face.ts';
import type { ExistingGroup } from '../core/face-grouping.ts';
import type { MatchSource, ModelKey } from './images.ts';
import type { Person } from './people.ts';

/** A face with no person, as grouping sees it. */
export interface UnknownFace {
  faceId: string;
  imageId: string;
  groupId: string | null;
  embedding: Float32Array;
}

/** One entry of the People page: a named person or a suggested one (a group of unknown faces). */
export interface PersonSummary {
  id: string;
  /** Null for a suggestion. */
  name: string | null;
  suggested: boolean;
  hidden: boolean;
  faceCount: number;
  photoCount: number;
  /** The face shown for them: the chosen one, else the best-quality one (highest detection score). */
  cover: { faceId: string; imageId: string } | null;
  enrolledFaces: number;
  createdAt: number;
  updatedAt: number;
}

/** A face of a person or suggestion, for their page. */
export interface GroupedFace {
  faceId: string;
  imageId: string;
  box: Box;
  score: number;
  matchSource: MatchSource;
}

export interface PeopleListFilter {
  /** true: suggestions only; false: named people only; absent: both. */
  suggested?: boolean;
  /** Suggestions with fewer faces are left out. */
  minFaces: number;
  includeHidden?: boolean;
}

/** What a merge or a naming changed, for events and the audit log. */
export interface RegroupChange {
  /** Photos whose faces changed person (their image events are due). */
  imageIds: string[];
}

/**
 * Where incremental grouping looks for the groups near a new face. The SQL adapter scans every grouped
 * unknown face of the model (linear); an approximate-nearest-neighbour index can take its place.
 */
export interface FaceGroupIndex {
  /**
   * Groups holding a face within `radius` of `embedding`, each with all its faces (the average-linkage
   * decision needs them), leaving out the groups `excluded` names.
   */
  groupsNear(
    embedding: Float32Array,
    model: ModelKey,
    radius: number,
    excluded: ReadonlySet<string>,
  ): Promise<ExistingGroup[]>;
}

/** Suggested people as grouping builds them: groups of the faces without a person. */
export interface FaceGroupStore {
  /** Faces of the photo with neither person nor group, with their model. */
  ungroupedFacesOf(imageId: string): Promise<(UnknownFace & { model: ModelKey })[]>;
  /** Ids a face must not join ("not this person"). */
  rejectionsOf(faceId: string): Promise<Set<string>>;
  /**
   * Puts a still-unknown face into `groupId` (a new group when null) and merges the `absorb` groups into it;
   * returns the group's id, or null when the face has a person by now (or is gone).
   */
  placeFace(faceId: string, groupId: string | null, absorb: string[], now: number): Promise<string | null>;
  /** The models of the faces without a person (re-grouping groups each model's faces apart). */
  unknownFaceModels(): Promise<ModelKey[]>;
  /** Every face without a person of the model, and every "not this person" of such faces. */
  unknownFaces(model: ModelKey): Promise<{ faces: UnknownFace[]; rejections: Map<string, Set<string>> }>;
  /**
   * Replaces all groups of the model's unknown faces with `groups` (face ids). A group keeps the id of the
   * old group most of its faces came from, so open pages stay on it. Faces that got a person meanwhile are
   * skipped. Returns the new groups' ids, in order.
   */
  replaceGroups(model: ModelKey, groups: string[][], now: number): Promise<string[]>;
}

/** The People page's view: named and suggested people with their counts and cover faces. */
export interface PeopleSummaries {
  listPeople(filter: PeopleListFilter): Promise<PersonSummary[]>;
  summary(id: string): Promise<PersonSummary | null>;
  /** Faces of a person or suggestion, best first. */
  facesOf(id: string): Promise<GroupedFace[]>;
}

/** The corrections made to people: a suggestion named, people merged, faces moved or rejected, hidden, cover. */
export interface PeopleCorrectionStore {
  /**
   * A suggestion becomes a person named `name`: its faces are theirs, confirmed by hand, and the
   * `enrolLimit` best of them join the gallery (re-identification then looks at the other unknown faces).
   * Null when there is no such group.
   */
  nameGroup(
    groupId: string,
    name: string,
    enrolLimit: number,
    now: number,
    requestId: string | null,
  ): Promise<{ person: Person; change: RegroupChange } | null>;
  /**
   * Moves every face (and enrolled embedding) of `sourceId` to `intoId` and deletes the source. Person into
   * person, suggestion into person, or suggestion into suggestion. Faces rejected from the target become
   * unknown instead.
   */
  merge(sourceId: string, intoId: string, now: number, requestId: string | null): Promise<RegroupChange>;
  /** Names faces as `personId`'s by hand (leaving their group). Returns the ids of the faces that exist. */
  moveFaces(faceIds: string[], personId: string, now: number): Promise<RegroupChange & { moved: number }>;
  /** "Not this person": the faces leave `fromId` (a person or a suggestion) and never come back to it. */
  rejectFaces(faceIds: string[], fromId: string, now: number): Promise<RegroupChange & { rejected: number }>;
  setHidden(personId: string, hidden: boolean, now: number): Promise<boolean>;
  /** Chooses the face shown for a person or suggestion; false when it is not one of theirs. */
  setCover(id: string, faceId: string, now: number): Promise<boolean>;
}

/** The stores of suggested people and corrections on one database, as the wiring hands them over. */
export interface FaceGroupStores {
  groups: FaceGroupStore & FaceGroupIndex;
  summaries: PeopleSummaries;
  corrections: PeopleCorrectionStore;
}
