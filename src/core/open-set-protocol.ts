/**
 * The open-set identification protocol of faceflow's evaluations (docs/adr/0002): people sorted by
 * name; those at even positions (0-based) are enrolled with their first photo and their other photos
 * are mated probes; those at odd positions are never enrolled and all their photos are non-mated probes.
 */
export interface PersonPhotos {
  person: string;
  /** The person's photos, in any order (the protocol sorts them). */
  photos: readonly string[];
}

export interface Probe {
  photo: string;
  /** The probe's person; for a non-mated probe a person who is not enrolled. */
  person: string;
  mated: boolean;
}

export interface OpenSetProtocol {
  /** Enrolled people in protocol order, each with their enrolment photo. */
  enrolled: { person: string; photo: string }[];
  mated: Probe[];
  nonMated: Probe[];
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Builds the protocol over `people` (only the first `limit` people in name order when given). */
export function openSetProtocol(people: readonly PersonPhotos[], limit?: number): OpenSetProtocol {
  const sorted = [...people].sort((a, b) => byCodeUnits(a.person, b.person));
  const chosen = limit === undefined ? sorted : sorted.slice(0, Math.max(0, limit));
  const protocol: OpenSetProtocol = { enrolled: [], mated: [], nonMated: [] };
  chosen.forEach(({ person, photos }, index) => {
    const ordered = [...photos].sort(byCodeUnits);
    if (index % 2 === 1) {
      for (const photo of ordered) protocol.nonMated.push({ photo, person, mated: false });
      return;
    }
    const [first, ...rest] = ordered;
    if (first === undefined) return;
    protocol.enrolled.push({ person, photo: first });
    for (const photo of rest) protocol.mated.push({ photo, person, mated: true });
  });
  return protocol;
}
