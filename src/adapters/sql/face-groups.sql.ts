import { type Kysely, sql } from 'kysely';
import { euclideanDistance } from '../../core/embedding.ts';
import type { ExistingGroup } from '../../core/face-grouping.ts';
import { newId } from '../../core/ids.ts';
import type {
  FaceGroupIndex,
  FaceGroupStore,
  GroupedFace,
  PeopleListFilter,
  PersonSummary,
  RegroupChange,
  UnknownFace,
} from '../../ports/face-groups.ts';
import type { MatchSource, ModelKey } from '../../ports/images.ts';
import type { Person } from '../../ports/people.ts';
import { bumpGalleryVersion } from './gallery-version.ts';
import { addOutboxJob, reidentifyJob } from './outbox-jobs.ts';
import { bytesToEmbedding } from './rows.ts';
import type { Database, Db } from './schema.ts';

/** A face named by hand: out of any group, never re-matched. */
function confirmedAs(personId: string) {
  return { person_id: personId, group_id: null, distance: null, match_source: 'manual', needs_rematch: 0 };
}

/** A summary before its cover face's photo is looked up. */
type Uncovered = Omit<PersonSummary, 'cover'> & { coverFaceId: string | null };

/**
 * Suggested people and corrections on Kysely, dialect-neutral (SQLite and PostgreSQL run the same queries).
 * A suggestion is a `face_groups` row; its faces are those with that `group_id` and no person. The index
 * half (`groupsNear`) is a linear scan over the unknown faces of a model.
 */
export class SqlFaceGroupStore implements FaceGroupStore, FaceGroupIndex {
  constructor(private readonly db: Kysely<Database>) {}

  async ungroupedFacesOf(imageId: string): Promise<(UnknownFace & { model: ModelKey })[]> {
    const rows = await this.db
      .selectFrom('faces')
      .select(['id', 'image_id', 'embedding', 'model_name', 'model_version'])
      .where('image_id', '=', imageId)
      .where('person_id', 'is', null)
      .where('group_id', 'is', null)
      .orderBy('face_index')
      .execute();
    return rows.map((r) => ({
      faceId: r.id,
      imageId: r.image_id,
      groupId: null,
      embedding: bytesToEmbedding(r.embedding),
      model: { name: r.model_name, version: r.model_version },
    }));
  }

  async rejectionsOf(faceId: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('face_rejections')
      .select('rejected_id')
      .where('face_id', '=', faceId)
      .execute();
    return new Set(rows.map((r) => r.rejected_id));
  }

  async groupsNear(
    embedding: Float32Array,
    model: ModelKey,
    radius: number,
    excluded: ReadonlySet<string>,
  ): Promise<ExistingGroup[]> {
    const { faces } = await this.unknownFaces(model, true);
    const byGroup = new Map<string, UnknownFace[]>();
    const near = new Set<string>();
    for (const face of faces) {
      const groupId = face.groupId as string;
      if (excluded.has(groupId)) continue;
      const members = byGroup.get(groupId) ?? [];
      members.push(face);
      byGroup.set(groupId, members);
      if (!near.has(groupId) && euclideanDistance(face.embedding, embedding) <= radius) near.add(groupId);
    }
    return [...near].map((id) => ({
      id,
      faces: (byGroup.get(id) ?? []).map((f) => ({ id: f.faceId, embedding: f.embedding })),
    }));
  }

  async placeFace(
    faceId: string,
    groupId: string | null,
    absorb: string[],
    now: number,
  ): Promise<string | null> {
    return this.db.transaction().execute(async (trx) => {
      const face = await trx
        .selectFrom('faces')
        .select('id')
        .where('id', '=', faceId)
        .where('person_id', 'is', null)
        .executeTakeFirst();
      if (!face) return null;
      let target = groupId;
      if (target !== null) {
        const exists = await trx
          .selectFrom('face_groups')
          .select('id')
          .where('id', '=', target)
          .executeTakeFirst();
        if (!exists) target = null;
      }
      if (target === null) {
        target = newId('grp', now);
        await trx
          .insertInto('face_groups')
          .values({ id: target, created_at: now, updated_at: now })
          .execute();
      } else {
        await trx.updateTable('face_groups').set({ updated_at: now }).where('id', '=', target).execute();
      }
      await trx.updateTable('faces').set({ group_id: target }).where('id', '=', faceId).execute();
      const others = absorb.filter((id) => id !== target);
      if (others.length > 0) {
        await trx.updateTable('faces').set({ group_id: target }).where('group_id', 'in', others).execute();
        await trx.deleteFrom('face_groups').where('id', 'in', others).execute();
      }
      return target;
    });
  }

  async unknownFaceModels(): Promise<ModelKey[]> {
    const rows = await this.db
      .selectFrom('faces')
      .select(['model_name', 'model_version'])
      .distinct()
      .where('person_id', 'is', null)
      .orderBy('model_name')
      .orderBy('model_version')
      .execute();
    return rows.map((r) => ({ name: r.model_name, version: r.model_version }));
  }

  unknownFaces(
    model: ModelKey,
    groupedOnly = false,
  ): Promise<{ faces: UnknownFace[]; rejections: Map<string, Set<string>> }> {
    return this.db.transaction().execute(async (trx) => {
      let q = trx
        .selectFrom('faces')
        .select(['id', 'image_id', 'group_id', 'embedding'])
        .where('person_id', 'is', null)
        .where('model_name', '=', model.name)
        .where('model_version', '=', model.version);
      if (groupedOnly) q = q.where('group_id', 'is not', null);
      const rows = await q.orderBy('id').execute();
      const faces = rows.map((r) => ({
        faceId: r.id,
        imageId: r.image_id,
        groupId: r.group_id,
        embedding: bytesToEmbedding(r.embedding),
      }));
      const rejections = new Map<string, Set<string>>();
      if (!groupedOnly) {
        const rejected = await trx
          .selectFrom('face_rejections')
          .innerJoin('faces', 'faces.id', 'face_rejections.face_id')
          .select(['face_rejections.face_id', 'face_rejections.rejected_id'])
          .where('faces.person_id', 'is', null)
          .execute();
        for (const r of rejected) {
          const set = rejections.get(r.face_id) ?? new Set<string>();
          set.add(r.rejected_id);
          rejections.set(r.face_id, set);
        }
      }
      return { faces, rejections };
    });
  }

  async replaceGroups(model: ModelKey, groups: string[][], now: number): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('faces')
        .select(['id', 'group_id'])
        .where('person_id', 'is', null)
        .where('model_name', '=', model.name)
        .where('model_version', '=', model.version)
        .execute();
      const oldGroup = new Map(rows.map((r) => [r.id, r.group_id]));
      const taken = new Set<string>();
      const ids: string[] = [];
      const oldIds = new Set(rows.map((r) => r.group_id).filter((g): g is string => g !== null));
      for (const group of groups) {
        const members = group.filter((faceId) => oldGroup.has(faceId));
        // Keep the id of the old group most of these faces were in (ties: the smaller id), if still free.
        const votes = new Map<string, number>();
        for (const faceId of members) {
          const g = oldGroup.get(faceId);
          if (g && !taken.has(g)) votes.set(g, (votes.get(g) ?? 0) + 1);
        }
        const kept = [...votes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
        const id = kept ?? newId('grp', now);
        taken.add(id);
        ids.push(id);
        if (!kept)
          await trx.insertInto('face_groups').values({ id, created_at: now, updated_at: now }).execute();
        else await trx.updateTable('face_groups').set({ updated_at: now }).where('id', '=', id).execute();
        for (let i = 0; i < members.length; i += 500) {
          const chunk = members.slice(i, i + 500).filter((faceId) => oldGroup.get(faceId) !== id);
          if (chunk.length > 0)
            await trx.updateTable('faces').set({ group_id: id }).where('id', 'in', chunk).execute();
        }
      }
      const gone = [...oldIds].filter((g) => !taken.has(g));
      for (let i = 0; i < gone.length; i += 500)
        await trx
          .deleteFrom('face_groups')
          .where('id', 'in', gone.slice(i, i + 500))
          .execute();
      return ids;
    });
  }

  async listPeople(filter: PeopleListFilter): Promise<PersonSummary[]> {
    const named = filter.suggested === true ? [] : await this.namedPeople(filter.includeHidden ?? false);
    const suggested = filter.suggested === false ? [] : await this.suggestions(filter.minFaces);
    return this.withCovers([...named, ...suggested]);
  }

  /** Fills in the photo of each cover face. */
  private async withCovers(
    people: (Omit<PersonSummary, 'cover'> & { coverFaceId: string | null })[],
  ): Promise<PersonSummary[]> {
    const faceIds = people.map((p) => p.coverFaceId).filter((f): f is string => f !== null);
    const imageOf = new Map<string, string>();
    for (let i = 0; i < faceIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('faces')
        .select(['id', 'image_id'])
        .where('id', 'in', faceIds.slice(i, i + 500))
        .execute();
      for (const r of rows) imageOf.set(r.id, r.image_id);
    }
    return people.map(({ coverFaceId, ...rest }) => {
      const imageId = coverFaceId === null ? undefined : imageOf.get(coverFaceId);
      return { ...rest, cover: coverFaceId !== null && imageId ? { faceId: coverFaceId, imageId } : null };
    });
  }

  private async namedPeople(includeHidden: boolean, id?: string): Promise<Uncovered[]> {
    let q = this.db
      .selectFrom('people')
      .select([
        'people.id',
        'people.name',
        'people.hidden',
        'people.cover_face_id',
        'people.created_at',
        'people.updated_at',
      ])
      .select((eb) => [
        eb
          .selectFrom('faces')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('faces.person_id', '=', 'people.id')
          .as('face_count'),
        eb
          .selectFrom('faces')
          .select(sql<number>`count(distinct faces.image_id)`.as('n'))
          .whereRef('faces.person_id', '=', 'people.id')
          .as('photo_count'),
        eb
          .selectFrom('enrolled_faces')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('enrolled_faces.person_id', '=', 'people.id')
          .as('enrolled'),
        eb
          .selectFrom('faces')
          .select('faces.id')
          .whereRef('faces.person_id', '=', 'people.id')
          .orderBy('faces.score', 'desc')
          .orderBy('faces.id')
          .limit(1)
          .as('best_face'),
      ]);
    if (!includeHidden) q = q.where('people.hidden', '=', 0);
    if (id !== undefined) q = q.where('people.id', '=', id);
    const rows = await q.orderBy('people.name').orderBy('people.id').execute();
    const covers = await this.existingFaces(
      rows.map((r) => r.cover_face_id),
      'person_id',
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      suggested: false,
      hidden: Number(r.hidden) === 1,
      faceCount: Number(r.face_count ?? 0),
      photoCount: Number(r.photo_count ?? 0),
      coverFaceId:
        (r.cover_face_id && covers.get(r.cover_face_id) === r.id ? r.cover_face_id : null) ??
        r.best_face ??
        null,
      enrolledFaces: Number(r.enrolled ?? 0),
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    }));
  }

  /** Which of `faceIds` still exist, with the person (or group) each belongs to now. */
  private async existingFaces(
    faceIds: (string | null)[],
    owner: 'person_id' | 'group_id',
  ): Promise<Map<string, string | null>> {
    const ids = faceIds.filter((f): f is string => f !== null);
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('faces').select(['id', owner]).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, (r as Record<string, string | null>)[owner] ?? null]));
  }

  private async suggestions(minFaces: number, id?: string): Promise<Uncovered[]> {
    let q = this.db
      .selectFrom('faces')
      .innerJoin('face_groups', 'face_groups.id', 'faces.group_id')
      .select([
        'face_groups.id',
        'face_groups.cover_face_id',
        'face_groups.created_at',
        'face_groups.updated_at',
        (eb) => eb.fn.countAll<number>().as('face_count'),
        sql<number>`count(distinct faces.image_id)`.as('photo_count'),
      ])
      .where('faces.person_id', 'is', null)
      .groupBy([
        'face_groups.id',
        'face_groups.cover_face_id',
        'face_groups.created_at',
        'face_groups.updated_at',
      ])
      .having((eb) => eb.fn.countAll(), '>=', minFaces);
    if (id !== undefined) q = q.where('face_groups.id', '=', id);
    const rows = await q.execute();
    const best = await this.bestFaces(rows.map((r) => r.id));
    const covers = await this.existingFaces(
      rows.map((r) => r.cover_face_id),
      'group_id',
    );
    return rows
      .map((r) => ({
        id: r.id,
        name: null,
        suggested: true,
        hidden: false,
        faceCount: Number(r.face_count),
        photoCount: Number(r.photo_count),
        coverFaceId:
          (r.cover_face_id && covers.get(r.cover_face_id) === r.id ? r.cover_face_id : null) ??
          best.get(r.id) ??
          null,
        enrolledFaces: 0,
        createdAt: Number(r.created_at),
        updatedAt: Number(r.updated_at),
      }))
      .sort((a, b) => b.faceCount - a.faceCount || (a.id < b.id ? -1 : 1));
  }

  /** The highest-scoring face of each group. */
  private async bestFaces(groupIds: string[]): Promise<Map<string, string>> {
    const best = new Map<string, string>();
    for (let i = 0; i < groupIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('faces')
        .select(['id', 'group_id'])
        .where('group_id', 'in', groupIds.slice(i, i + 500))
        .where('person_id', 'is', null)
        .orderBy('score', 'desc')
        .orderBy('id')
        .execute();
      for (const r of rows) if (r.group_id && !best.has(r.group_id)) best.set(r.group_id, r.id);
    }
    return best;
  }

  async summary(id: string): Promise<PersonSummary | null> {
    const [person] = await this.namedPeople(true, id);
    const found = person ?? (await this.suggestions(1, id))[0];
    return found ? ((await this.withCovers([found]))[0] ?? null) : null;
  }

  async facesOf(id: string): Promise<GroupedFace[]> {
    const rows = await this.db
      .selectFrom('faces')
      .select(['id', 'image_id', 'box', 'score', 'match_source'])
      .where((eb) =>
        eb.or([eb('person_id', '=', id), eb.and([eb('group_id', '=', id), eb('person_id', 'is', null)])]),
      )
      .orderBy('score', 'desc')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      faceId: r.id,
      imageId: r.image_id,
      box: JSON.parse(r.box),
      score: Number(r.score),
      matchSource: r.match_source as MatchSource,
    }));
  }

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
