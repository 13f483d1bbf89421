import type { Kysely } from 'kysely';
import { newId } from '../../core/ids.ts';
import type { PeopleCorrectionStore, RegroupChange } from '../../ports/face-groups.ts';
import type { Person } from '../../ports/people.ts';
import { bumpGalleryVersion } from './gallery-version.ts';
import { addOutboxJob, reidentifyJob } from './outbox-jobs.ts';
import type { Database, Db } from './schema.ts';

/** A face named by hand: out of any group, never re-matched. */
function confirmedAs(personId: string) {
  return { person_id: personId, group_id: null, distance: null, match_source: 'manual', needs_rematch: 0 };
}

/** Corrections to people on Kysely, dialect-neutral; each one transaction. */
export class SqlPeopleCorrections implements PeopleCorrectionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async nameGroup(
    groupId: string,
    name: string,
    enrolLimit: number,
    now: number,
    requestId: string | null,
  ): Promise<{ person: Person; change: RegroupChange } | null> {
    return this.db.transaction().execute(async (trx) => {
      const group = await trx
        .selectFrom('face_groups')
        .selectAll()
        .where('id', '=', groupId)
        .executeTakeFirst();
      if (!group) return null;
      const faces = await trx
        .selectFrom('faces')
        .select(['id', 'image_id', 'embedding', 'model_name', 'model_version'])
        .where('group_id', '=', groupId)
        .where('person_id', 'is', null)
        .orderBy('score', 'desc')
        .orderBy('id')
        .execute();
      const personId = newId('per', now);
      await trx
        .insertInto('people')
        .values({
          id: personId,
          name,
          created_at: now,
          updated_at: now,
          cover_face_id: group.cover_face_id,
        })
        .execute();
      await trx
        .updateTable('faces')
        .set(confirmedAs(personId))
        .where('group_id', '=', groupId)
        .where('person_id', 'is', null)
        .execute();
      await trx.deleteFrom('face_groups').where('id', '=', groupId).execute();
      const enrolled = faces.slice(0, enrolLimit);
      if (enrolled.length > 0) {
        await trx
          .insertInto('enrolled_faces')
          .values(
            enrolled.map((f) => ({
              id: newId('enr', now),
              person_id: personId,
              embedding: f.embedding,
              model_name: f.model_name,
              model_version: f.model_version,
              source_image_id: f.image_id,
              source_face_id: f.id,
              created_at: now,
            })),
          )
          .execute();
        await this.galleryChanged(trx, personId, now, requestId);
      }
      return {
        person: { id: personId, name, createdAt: now, updatedAt: now, enrolledFaces: enrolled.length },
        change: { imageIds: [...new Set(faces.map((f) => f.image_id))] },
      };
    });
  }

  /** The gallery grew or changed hands: re-identification looks at every automatic match again. */
  private async galleryChanged(
    trx: Db,
    personId: string,
    now: number,
    requestId: string | null,
  ): Promise<void> {
    await trx.updateTable('faces').set({ needs_rematch: 1 }).where('match_source', '=', 'auto').execute();
    await bumpGalleryVersion(trx);
    await addOutboxJob(trx, reidentifyJob('enroll', personId, requestId), now);
  }

  async merge(
    sourceId: string,
    intoId: string,
    now: number,
    requestId: string | null,
  ): Promise<RegroupChange> {
    return this.db.transaction().execute(async (trx) => {
      const intoPerson = await trx
        .selectFrom('people')
        .select('id')
        .where('id', '=', intoId)
        .executeTakeFirst();
      const images = await trx
        .selectFrom('faces')
        .select('image_id')
        .distinct()
        .where((eb) => eb.or([eb('person_id', '=', sourceId), eb('group_id', '=', sourceId)]))
        .execute();
      const rejectedFromTarget = trx
        .selectFrom('face_rejections')
        .select('face_rejections.face_id')
        .where('face_rejections.rejected_id', '=', intoId);
      // Faces told "not this person" about the target become unknown instead of following.
      await trx
        .updateTable('faces')
        .set({ person_id: null, group_id: null, distance: null, match_source: 'auto', needs_rematch: 0 })
        .where((eb) => eb.or([eb('person_id', '=', sourceId), eb('group_id', '=', sourceId)]))
        .where('id', 'in', rejectedFromTarget)
        .execute();
      if (intoPerson) {
        await trx
          .updateTable('faces')
          .set({ person_id: intoId, group_id: null })
          .where('person_id', '=', sourceId)
          .execute();
        await trx
          .updateTable('faces')
          .set(confirmedAs(intoId))
          .where('group_id', '=', sourceId)
          .where('person_id', 'is', null)
          .execute();
        const moved = await trx
          .updateTable('enrolled_faces')
          .set({ person_id: intoId })
          .where('person_id', '=', sourceId)
          .executeTakeFirst();
        await trx.deleteFrom('people').where('id', '=', sourceId).execute();
        if (moved.numUpdatedRows > 0n) await this.galleryChanged(trx, intoId, now, requestId);
        await trx.updateTable('people').set({ updated_at: now }).where('id', '=', intoId).execute();
      } else {
        await trx.updateTable('faces').set({ group_id: intoId }).where('group_id', '=', sourceId).execute();
        await trx.updateTable('face_groups').set({ updated_at: now }).where('id', '=', intoId).execute();
      }
      await trx.deleteFrom('face_groups').where('id', '=', sourceId).execute();
      return { imageIds: images.map((r) => r.image_id) };
    });
  }

  async moveFaces(
    faceIds: string[],
    personId: string,
    now: number,
  ): Promise<RegroupChange & { moved: number }> {
    if (faceIds.length === 0) return { imageIds: [], moved: 0 };
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('faces')
        .select(['id', 'image_id'])
        .where('id', 'in', faceIds)
        .execute();
      if (rows.length > 0) {
        await trx
          .updateTable('faces')
          .set(confirmedAs(personId))
          .where(
            'id',
            'in',
            rows.map((r) => r.id),
          )
          .execute();
        // Moving a face to someone undoes an earlier "not this person" about them.
        await trx
          .deleteFrom('face_rejections')
          .where(
            'face_id',
            'in',
            rows.map((r) => r.id),
          )
          .where('rejected_id', '=', personId)
          .execute();
        await trx.updateTable('people').set({ updated_at: now }).where('id', '=', personId).execute();
      }
      return { imageIds: [...new Set(rows.map((r) => r.image_id))], moved: rows.length };
    });
  }

  async rejectFaces(
    faceIds: string[],
    fromId: string,
    now: number,
  ): Promise<RegroupChange & { rejected: number }> {
    if (faceIds.length === 0) return { imageIds: [], rejected: 0 };
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('faces')
        .select(['id', 'image_id'])
        .where('id', 'in', faceIds)
        .where((eb) =>
          eb.or([
            eb('person_id', '=', fromId),
            eb.and([eb('group_id', '=', fromId), eb('person_id', 'is', null)]),
          ]),
        )
        .execute();
      if (rows.length === 0) return { imageIds: [], rejected: 0 };
      const ids = rows.map((r) => r.id);
      await trx
        .updateTable('faces')
        .set({ person_id: null, group_id: null, distance: null, match_source: 'auto', needs_rematch: 0 })
        .where('id', 'in', ids)
        .execute();
      await trx
        .insertInto('face_rejections')
        .values(ids.map((faceId) => ({ face_id: faceId, rejected_id: fromId, created_at: now })))
        .onConflict((oc) => oc.columns(['face_id', 'rejected_id']).doNothing())
        .execute();
      return { imageIds: [...new Set(rows.map((r) => r.image_id))], rejected: ids.length };
    });
  }

  async setHidden(personId: string, hidden: boolean, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('people')
      .set({ hidden: hidden ? 1 : 0, updated_at: now })
      .where('id', '=', personId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async setCover(id: string, faceId: string, now: number): Promise<boolean> {
    const face = await this.db
      .selectFrom('faces')
      .select(['person_id', 'group_id'])
      .where('id', '=', faceId)
      .executeTakeFirst();
    if (!face) return false;
    if (face.person_id === id) {
      await this.db
        .updateTable('people')
        .set({ cover_face_id: faceId, updated_at: now })
        .where('id', '=', id)
        .execute();
      return true;
    }
    if (face.person_id === null && face.group_id === id) {
      await this.db
        .updateTable('face_groups')
        .set({ cover_face_id: faceId, updated_at: now })
        .where('id', '=', id)
        .execute();
      return true;
    }
    return false;
  }
}
