/**
 * Grouping of unknown faces into suggested people: average-linkage agglomerative clustering under a
 * distance threshold (batch, order-independent) and its incremental counterpart (one new face at a time).
 * Pure logic on L2-normalised embeddings; Euclidean distance, as everywhere in faceflow.
 */
import { euclideanDistance } from './embedding.ts';

export interface GroupingFace {
  id: string;
  embedding: Float32Array;
}

export interface GroupingPolicy {
  /** Two groups (or a face and a group) join when their average face-to-face distance is at most this. */
  threshold: number;
  /** Groups smaller than this are kept but not shown as suggestions. */
  minFaces: number;
}

/**
 * Fitted on lfw-dev's even-position people (sorted by folder name) to reach pairwise precision ≥ 0.98,
 * checked on the odd ones (docs/adr/0012).
 */
export const DEFAULT_GROUPING_POLICY: GroupingPolicy = Object.freeze({ threshold: 0.84, minFaces: 3 });

/** The full average-linkage merge tree of some faces: which groups merged, at what distance. */
export interface MergeTree {
  /** Face ids, sorted; merges refer to them by index. */
  ids: string[];
  /** Each merge joins the groups holding faces `a` and `b` at average distance `height`. */
  merges: { a: number; b: number; height: number }[];
}

/**
 * Average-linkage agglomerative clustering of `faces` all the way up (nearest-neighbour-chain algorithm on
 * a full distance matrix: O(n²) time and memory). The faces are sorted by id first, which also settles
 * ties, so the tree does not depend on the order of `faces`.
 */
export function mergeTree(faces: readonly GroupingFace[]): MergeTree {
  const sorted = [...faces].sort((a, b) => compareIds(a.id, b.id));
  const n = sorted.length;
  const d = new Float32Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const dist = euclideanDistance(
        (sorted[i] as GroupingFace).embedding,
        (sorted[j] as GroupingFace).embedding,
      );
      d[i * n + j] = dist;
      d[j * n + i] = dist;
    }
  const size = new Array<number>(n).fill(1);
  const active = new Set<number>(Array.from({ length: n }, (_, i) => i));
  const merges: MergeTree['merges'] = [];
  const chain: number[] = [];
  while (active.size > 1) {
    if (chain.length === 0) chain.push(Math.min(...active));
    const a = chain[chain.length - 1] as number;
    let b = -1;
    let height = Number.POSITIVE_INFINITY;
    for (const k of active) {
      if (k === a) continue;
      const dist = d[a * n + k] as number;
      if (dist < height || (dist === height && k < b)) {
        b = k;
        height = dist;
      }
    }
    const previous = chain.length > 1 ? (chain[chain.length - 2] as number) : -1;
    // Prefer the previous link on a tie, or the chain could cycle.
    if (previous !== -1 && (d[a * n + previous] as number) === height) b = previous;
    if (b !== previous) {
      chain.push(b);
      continue;
    }
    // a and b are each other's nearest groups: merge b into a (Lance–Williams update for average linkage).
    chain.length -= 2;
    const sa = size[a] as number;
    const sb = size[b] as number;
    for (const k of active) {
      if (k === a || k === b) continue;
      const merged = ((d[a * n + k] as number) * sa + (d[b * n + k] as number) * sb) / (sa + sb);
      d[a * n + k] = merged;
      d[k * n + a] = merged;
    }
    size[a] = sa + sb;
    active.delete(b);
    merges.push({ a, b, height });
  }
  return { ids: sorted.map((f) => f.id), merges };
}

/**
 * The groups of `tree` cut at `threshold`: faces stay together when joined by merges at most that far apart
 * (average linkage never merges below an earlier merge, so this is the clustering stopped at the threshold).
 * Groups of face ids, each sorted, largest group first (then by first id).
 */
export function cutTree(tree: MergeTree, threshold: number): string[][] {
  const parent = tree.ids.map((_, i) => i);
  const root = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r] as number;
    while (parent[i] !== r) {
      const next = parent[i] as number;
      parent[i] = r;
      i = next;
    }
    return r;
  };
  for (const { a, b, height } of tree.merges) if (height <= threshold) parent[root(b)] = root(a);
  const groups = new Map<number, string[]>();
  tree.ids.forEach((id, i) => {
    const r = root(i);
    const group = groups.get(r);
    if (group) group.push(id);
    else groups.set(r, [id]);
  });
  return [...groups.values()].sort(
    (x, y) => y.length - x.length || compareIds(x[0] as string, y[0] as string),
  );
}

/**
 * Batch grouping: average-linkage agglomerative clustering, merging while the closest two groups are within
 * `threshold`. Independent of the order of `faces`, so a re-grouping gives the same groups whatever order
 * the photos arrived in.
 */
export function groupFaces(faces: readonly GroupingFace[], threshold: number): string[][] {
  return cutTree(mergeTree(faces), threshold);
}

/** A group as the incremental step sees it. */
export interface ExistingGroup {
  id: string;
  faces: readonly GroupingFace[];
}

/** What placing one new face decided: join `groupId` (null: a new group) and merge `absorb` into it. */
export interface Placement {
  groupId: string | null;
  absorb: string[];
}

/**
 * Incremental grouping of one new face: it joins the group with the smallest average distance within
 * `threshold` (else starts a new group); every other group that the enlarged group is then within the
 * threshold of (average linkage) merges into it. Between two batch re-groupings the result can depend on
 * arrival order; the batch step settles it.
 */
export function placeFace(
  face: GroupingFace,
  groups: readonly ExistingGroup[],
  threshold: number,
): Placement {
  let best: ExistingGroup | null = null;
  let bestD = Number.POSITIVE_INFINITY;
  const toFace = new Map<string, number>();
  for (const group of groups) {
    if (group.faces.length === 0) continue;
    const avg = averageDistance([face], group.faces);
    toFace.set(group.id, avg);
    if (avg < bestD || (avg === bestD && best !== null && compareIds(group.id, best.id) < 0)) {
      best = group;
      bestD = avg;
    }
  }
  if (best === null || bestD > threshold) return { groupId: null, absorb: [] };
  const joined = [...best.faces, face];
  const absorb: string[] = [];
  for (const group of groups) {
    if (group.id === best.id || group.faces.length === 0) continue;
    // Only groups near the new face can have come closer to the enlarged group.
    if ((toFace.get(group.id) ?? Number.POSITIVE_INFINITY) > 2 * threshold) continue;
    if (averageDistance(joined, group.faces) <= threshold) absorb.push(group.id);
  }
  return { groupId: best.id, absorb };
}

export function averageDistance(a: readonly GroupingFace[], b: readonly GroupingFace[]): number {
  let sum = 0;
  for (const x of a) for (const y of b) sum += euclideanDistance(x.embedding, y.embedding);
  return sum / (a.length * b.length);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
