import { type Kysely, sql } from 'kysely';
import type {
  GroupedFace,
  PeopleListFilter,
  PeopleSummaries,
  PersonSummary,
} from '../../ports/face-groups.ts';
import type { MatchSource } from '../../ports/images.ts';
import type { Database } from './schema.ts';

/** A summary before its cover face's photo is looked up. */
type Uncovered = Omit<PersonSummary, 'cover'> & { coverFaceId: string | null };

/** The People page's named and suggested people on Kysely, dialect-neutral. */
export class SqlPeopleSummaries implements PeopleSummaries {
  constructor(private readonly db: Kysely<Database>) {}

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
}
