import type { Kysely } from 'kysely';
import { euclideanDistance } from '../../core/embedding.ts';
import type { ExistingGroup } from '../../core/face-grouping.ts';
import { newId } from '../../core/ids.ts';
import type { FaceGroupIndex, FaceGroupStore, UnknownFace } from '../../ports/face-groups.ts';
import type { ModelKey } from '../../ports/images.ts';
import { bytesToEmbedding } from './rows.ts';
import type { Database } from './schema.ts';

/**
 * Suggested people on Kysely, dialect-neutral (SQLite and PostgreSQL run the same queries). A suggestion
 * is a `face_groups` row; its faces are those with that `group_id` and no person. The index half
 * (`groupsNear`) is a linear scan over the unknown faces of a model.
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
}
