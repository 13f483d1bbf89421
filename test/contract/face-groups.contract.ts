import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryEventBus } from '../../src/adapters/events-memory/event-bus.memory.ts';
import { groupPhotoFaces, regroupAll } from '../../src/app/grouping.ts';
import {
  type CorrectionDeps,
  mergePeople,
  nameSuggestion,
  rejectFaces,
  type SuggestedPeopleDeps,
} from '../../src/app/people-corrections.ts';
import type { Principal } from '../../src/core/principal.ts';
import type { AuditLog } from '../../src/ports/audit-log.ts';
import type { FaceGroupStores } from '../../src/ports/face-groups.ts';
import type { NewFace } from '../../src/ports/image-leases.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import type { PhotoStores } from '../../src/ports/photo-stores.ts';
import { newImageRow } from '../helpers/image-rows.ts';

export interface FaceGroupsFixture {
  stores: PhotoStores;
  faceGroups: FaceGroupStores;
  audit: AuditLog;
  close(): Promise<void>;
}

const MODEL = { name: 'test-model', version: '1' };
const ADMIN = { kind: 'user', id: 'usr_1', name: 'admin', role: 'admin' } as unknown as Principal;

/** A unit vector near axis `identity` of 6 dimensions: faces of one identity lie ~0.1 apart, others ~1.4. */
function embeddingOf(identity: number, jitter: number): Float32Array {
  const v = new Float32Array(6);
  v[identity] = 1;
  v[5] = jitter;
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function face(identity: number, jitter: number, score = 0.9): NewFace {
  return {
    box: { top: 1, right: 5, bottom: 5, left: 1 },
    landmarks: [],
    score,
    quality: null,
    embedding: embeddingOf(identity, jitter),
    personId: null,
    distance: null,
  };
}

/**
 * The contract of FaceGroupStore + FaceGroupIndex, PeopleSummaries and PeopleCorrectionStore (SQLite and
 * PostgreSQL), through the grouping and correction use cases.
 */
export function faceGroupsContract(name: string, create: () => Promise<FaceGroupsFixture>): void {
  describe(`FaceGroupStore contract: ${name}`, () => {
    let fixture: FaceGroupsFixture;
    let events: MemoryEventBus;
    let grouping: SuggestedPeopleDeps;
    let corrections: CorrectionDeps;
    let photo = 0;
    const clock = { now: () => 1_700_000_000_000 + photo };

    beforeEach(async () => {
      fixture = await create();
      events = new MemoryEventBus();
      grouping = {
        groups: fixture.faceGroups.groups,
        index: fixture.faceGroups.groups,
        summaries: fixture.faceGroups.summaries,
        corrections: fixture.faceGroups.corrections,
        events,
        clock,
        log: silentLogger,
        policy: { threshold: 0.5, minFaces: 3 },
      };
      corrections = {
        grouping,
        people: { stores: fixture.stores, events, clock, audit: fixture.audit },
      };
    });
    afterEach(async () => {
      await fixture.close();
    });

    /** A processed photo with these faces, grouped as the worker does. */
    async function addPhoto(faces: NewFace[]): Promise<string> {
      photo++;
      const { image } = await fixture.stores.images.createImage(newImageRow(`p${photo}`), clock.now());
      await fixture.stores.leases.claimImage(image.id, 'w', 60_000, clock.now());
      expect(await fixture.stores.leases.completeImage(image.id, 'w', faces, MODEL, clock.now())).toBe(true);
      await groupPhotoFaces(grouping, image.id);
      return image.id;
    }

    const suggestions = () => fixture.faceGroups.summaries.listPeople({ suggested: true, minFaces: 3 });

    it('groups unknown faces of one identity into one suggestion as photos arrive', async () => {
      for (let i = 0; i < 3; i++) await addPhoto([face(0, 0.05 * i), face(1, 0.04 * i)]);
      await addPhoto([face(2, 0)]);
      const shown = await suggestions();
      expect(shown).toHaveLength(2);
      for (const s of shown) {
        expect(s).toMatchObject({ name: null, suggested: true, faceCount: 3, photoCount: 3 });
        expect(s.cover).not.toBeNull();
      }
      // The lone face is a group of one: kept, but not shown under the minimum.
      expect(await fixture.faceGroups.summaries.listPeople({ suggested: true, minFaces: 1 })).toHaveLength(3);
      expect(events.subscribe(() => {}, 0).replay.some((e) => e.type === 'groups')).toBe(true);
    });

    it('re-groups to the same groups whatever order the photos came in, keeping group ids', async () => {
      for (let i = 0; i < 3; i++) await addPhoto([face(i % 2, 0.05 * i)]);
      for (let i = 3; i < 6; i++) await addPhoto([face(i % 2, 0.05 * i)]);
      const before = (await suggestions()).map((s) => s.id).sort();
      const result = await regroupAll(grouping);
      expect(result).toMatchObject({ faces: 6, groups: 2, suggestions: 2 });
      expect((await suggestions()).map((s) => s.id).sort()).toEqual(before);
    });

    it('naming a suggestion names every face of it in every photo, enrols them and re-grouping leaves them be', async () => {
      const photos: string[] = [];
      for (let i = 0; i < 3; i++) photos.push(await addPhoto([face(0, 0.05 * i)]));
      const [group] = await suggestions();
      const person = await nameSuggestion(corrections, group?.id as string, 'Ada', ADMIN, null);
      expect(person).toMatchObject({
        name: 'Ada',
        suggested: false,
        faceCount: 3,
        photoCount: 3,
        enrolledFaces: 3,
      });
      for (const id of photos) {
        const image = await fixture.stores.images.getImage(id);
        expect(image?.faces.map((f) => [f.person?.name, f.matchSource])).toEqual([['Ada', 'manual']]);
      }
      expect(await suggestions()).toHaveLength(0);
      await regroupAll(grouping);
      expect((await fixture.faceGroups.summaries.summary(person.id))?.faceCount).toBe(3);
      await expect(nameSuggestion(corrections, 'grp_missing', 'Bob', ADMIN, null)).rejects.toMatchObject({
        code: 'not_found',
      });
    });

    it('refuses a duplicate name, whatever its case', async () => {
      for (let i = 0; i < 3; i++) await addPhoto([face(0, 0.05 * i), face(1, 0.05 * i)]);
      const [a, b] = await suggestions();
      await nameSuggestion(corrections, a?.id as string, 'Ada', ADMIN, null);
      await expect(nameSuggestion(corrections, b?.id as string, ' ada ', ADMIN, null)).rejects.toMatchObject({
        code: 'conflict',
      });
      expect(await suggestions()).toHaveLength(1);
    });

    it('merges a suggestion into a person and a person into a person: faces and photos follow', async () => {
      for (let i = 0; i < 3; i++) await addPhoto([face(0, 0.05 * i), face(1, 0.05 * i), face(2, 0.05 * i)]);
      const [a, b, c] = await suggestions();
      const ada = await nameSuggestion(corrections, a?.id as string, 'Ada', ADMIN, null);
      const bob = await nameSuggestion(corrections, b?.id as string, 'Bob', ADMIN, null);
      const merged = await mergePeople(corrections, c?.id as string, ada.id, ADMIN, null);
      expect(merged).toMatchObject({ id: ada.id, faceCount: 6, photoCount: 3 });
      const all = await mergePeople(corrections, bob.id, ada.id, ADMIN, null);
      expect(all).toMatchObject({ faceCount: 9, enrolledFaces: 6 });
      expect(await fixture.faceGroups.summaries.summary(bob.id)).toBeNull();
      await expect(mergePeople(corrections, ada.id, ada.id, ADMIN, null)).rejects.toMatchObject({
        code: 'invalid_input',
      });
    });

    it('"not this person" takes a face out of a suggestion for good, re-grouping included', async () => {
      for (let i = 0; i < 4; i++) await addPhoto([face(0, 0.05 * i)]);
      const [group] = await suggestions();
      const faces = await fixture.faceGroups.summaries.facesOf(group?.id as string);
      const odd = faces[0]?.faceId as string;
      expect(await rejectFaces(corrections, group?.id as string, [odd], ADMIN)).toEqual({ rejected: 1 });
      await regroupAll(grouping);
      const after = await fixture.faceGroups.summaries.facesOf(group?.id as string);
      expect(after.map((f) => f.faceId)).not.toContain(odd);
      expect(after).toHaveLength(3);
    });

    it('"not this person" on a named person: re-identification does not give the face back to them', async () => {
      for (let i = 0; i < 3; i++) await addPhoto([face(0, 0.05 * i)]);
      const [group] = await suggestions();
      const ada = await nameSuggestion(corrections, group?.id as string, 'Ada', ADMIN, null);
      const [wrong] = await fixture.faceGroups.summaries.facesOf(ada.id);
      await rejectFaces(corrections, ada.id, [wrong?.faceId as string], ADMIN);
      // An enrolment elsewhere flags every automatic face for re-matching; the gallery would say "Ada".
      const bob = await fixture.stores.people.createPerson('Bob', clock.now());
      await fixture.stores.enrolment.enroll(bob.id, embeddingOf(4, 0), MODEL, null, clock.now(), null);
      const candidates = await fixture.stores.gallery.rematchCandidates(100);
      expect(candidates.map((c) => c.faceId)).toContain(wrong?.faceId);
      await fixture.stores.gallery.applyRematch(
        [{ faceId: wrong?.faceId as string, personId: ada.id, distance: 0.1 }],
        clock.now(),
      );
      const image = await fixture.stores.images.getImage(wrong?.imageId as string);
      expect(image?.faces[0]?.person).toBeNull();
      expect((await fixture.faceGroups.summaries.summary(ada.id))?.faceCount).toBe(2);
    });

    it('moves faces, hides people and changes the cover face', async () => {
      for (let i = 0; i < 3; i++) await addPhoto([face(0, 0.05 * i), face(1, 0.05 * i)]);
      const [a, b] = await suggestions();
      const ada = await nameSuggestion(corrections, a?.id as string, 'Ada', ADMIN, null);
      const [moved] = await fixture.faceGroups.summaries.facesOf(b?.id as string);
      const result = await fixture.faceGroups.corrections.moveFaces(
        [moved?.faceId as string, 'fac_missing'],
        ada.id,
        clock.now(),
      );
      expect(result.moved).toBe(1);
      expect((await fixture.faceGroups.summaries.summary(ada.id))?.faceCount).toBe(4);
      expect(
        await fixture.faceGroups.corrections.setCover(ada.id, moved?.faceId as string, clock.now()),
      ).toBe(true);
      expect((await fixture.faceGroups.summaries.summary(ada.id))?.cover?.faceId).toBe(moved?.faceId);
      expect(await fixture.faceGroups.corrections.setCover(ada.id, 'fac_missing', clock.now())).toBe(false);
      expect(await fixture.faceGroups.corrections.setHidden(ada.id, true, clock.now())).toBe(true);
      expect(await fixture.faceGroups.summaries.listPeople({ suggested: false, minFaces: 3 })).toHaveLength(
        0,
      );
      expect(
        await fixture.faceGroups.summaries.listPeople({ suggested: false, minFaces: 3, includeHidden: true }),
      ).toHaveLength(1);
    });
  });
}
