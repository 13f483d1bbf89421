/** Clustering quality against true identities: pairwise precision/recall and splits per person. */
export interface ClusteringReport {
  faces: number;
  people: number;
  groups: number;
  pairwisePrecision: number;
  pairwiseRecall: number;
  /** Mean number of groups a person's faces are spread over (1 is perfect), over people with 2+ faces. */
  splitsPerPerson: number;
}

/**
 * `groups`: face ids per predicted group; `truth`: face id → true identity. Precision is the share of
 * same-group pairs that are the same person (1 when no pair is grouped), recall the share of same-person
 * pairs put in one group.
 */
export function evaluateClustering(
  groups: readonly (readonly string[])[],
  truth: ReadonlyMap<string, string>,
): ClusteringReport {
  const pairs = (n: number) => (n * (n - 1)) / 2;
  let predicted = 0;
  let correct = 0;
  const groupsOf = new Map<string, Set<number>>();
  groups.forEach((group, g) => {
    predicted += pairs(group.length);
    const byPerson = new Map<string, number>();
    for (const face of group) {
      const person = truth.get(face);
      if (person === undefined) throw new RangeError(`face ${face} has no true identity`);
      byPerson.set(person, (byPerson.get(person) ?? 0) + 1);
      const set = groupsOf.get(person) ?? new Set<number>();
      set.add(g);
      groupsOf.set(person, set);
    }
    for (const count of byPerson.values()) correct += pairs(count);
  });
  const perPerson = new Map<string, number>();
  for (const person of truth.values()) perPerson.set(person, (perPerson.get(person) ?? 0) + 1);
  let actual = 0;
  let splits = 0;
  let multi = 0;
  for (const [person, count] of perPerson) {
    actual += pairs(count);
    if (count >= 2) {
      multi++;
      splits += groupsOf.get(person)?.size ?? 0;
    }
  }
  return {
    faces: truth.size,
    people: perPerson.size,
    groups: groups.length,
    pairwisePrecision: predicted === 0 ? 1 : correct / predicted,
    pairwiseRecall: actual === 0 ? 1 : correct / actual,
    splitsPerPerson: multi === 0 ? 1 : splits / multi,
  };
}
