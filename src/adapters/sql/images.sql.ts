import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import { newId } from '../../core/ids.ts';
import { IMAGE_STATUSES, type ImageStatus } from '../../core/image-status.ts';
import { encodeTraceCarrier } from '../../core/trace-context.ts';
import type {
  ImageCatalog,
  ImageDetail,
  ImageFilter,
  ImageQuery,
  ImageRecord,
  NewImage,
} from '../../ports/images.ts';
import { facesWithNames } from './face-queries.ts';
import { addOutboxJob, processImageJob } from './outbox-jobs.ts';
import { keysetPage, toFaceRecord, toImageRecord, withoutEmbedding } from './rows.ts';
import type { Database, Db } from './schema.ts';

/**
 * ImageCatalog on Kysely. The queries are dialect-neutral (no SQLite-only syntax): SQLite and PostgreSQL
 * run them unchanged.
 */
export class SqlImageCatalog implements ImageCatalog {
  constructor(private readonly db: Kysely<Database>) {}

  async createImage(image: NewImage, now: number): Promise<{ image: ImageRecord; duplicate: boolean }> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await imageBySha(trx, image.sha256);
      if (existing) return { image: existing, duplicate: true };
      const row = {
        id: newId('img', now),
        sha256: image.sha256,
        file: image.file,
        import_path: image.importPath,
        size: image.size,
        media_type: image.mediaType,
        status: 'pending' satisfies ImageStatus,
        attempts: 0,
        last_error: null,
        last_error_retryable: 0,
        next_attempt_at: now,
        lease_owner: null,
        lease_until: null,
        width: image.width,
        height: image.height,
        request_id: image.requestId,
        created_at: now,
        updated_at: now,
        processed_at: null,
        trace_context: encodeTraceCarrier(image.trace),
      };
      // Two uploads of the same bytes at once (PostgreSQL runs them concurrently): the second one finds the first.
      const inserted = await trx
        .insertInto('images')
        .values(row)
        .onConflict((oc) => oc.column('sha256').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) {
        const winner = await imageBySha(trx, image.sha256);
        if (winner) return { image: winner, duplicate: true };
        throw new Error('image vanished while being inserted');
      }
      await addOutboxJob(trx, processImageJob(row.id, image.requestId, row.trace_context), now);
      return { image: toImageRecord(row), duplicate: false };
    });
  }

  async getImage(id: string): Promise<ImageDetail | null> {
    const row = await this.db.selectFrom('images').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    const faceRows = await facesWithNames(this.db)
      .where('faces.image_id', '=', id)
      .orderBy('faces.face_index')
      .execute();
    const faces = faceRows.map((r) => withoutEmbedding(toFaceRecord(r)));
    const people = new Map<string, { id: string; name: string }>();
    for (const face of faces) if (face.person) people.set(face.person.id, face.person);
    return { ...toImageRecord(row), faces, people: [...people.values()] };
  }

  async listImages(query: ImageQuery): Promise<{ items: ImageRecord[]; nextCursor: string | null }> {
    let q = this.db
      .selectFrom('images')
      .selectAll('images')
      .where((eb) => matchingImages(eb, query));
    if (query.status) q = q.where('images.status', '=', query.status);
    if (query.cursor) q = q.where('images.id', '<', query.cursor);
    const rows = await q
      .orderBy('images.id', 'desc')
      .limit(query.limit + 1)
      .execute();
    return keysetPage(rows, query.limit, toImageRecord);
  }

  async imagesOfPerson(personId: string, limit: number): Promise<ImageRecord[]> {
    const { items } = await this.listImages({ personId, limit });
    return items;
  }

  async countByStatus(filter: ImageFilter = {}): Promise<Record<ImageStatus, number>> {
    const rows = await this.db
      .selectFrom('images')
      .where((eb) => matchingImages(eb, filter))
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    const counts = Object.fromEntries(IMAGE_STATUSES.map((s) => [s, 0])) as Record<ImageStatus, number>;
    for (const row of rows) counts[row.status as ImageStatus] = Number(row.n);
    return counts;
  }
}

async function imageBySha(db: Db, sha256: string): Promise<ImageRecord | null> {
  const row = await db.selectFrom('images').selectAll().where('sha256', '=', sha256).executeTakeFirst();
  return row ? toImageRecord(row) : null;
}

/** Escapes LIKE's wildcards (and the escape character itself), so a search is taken literally. */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Photos of the filter's person whose file name or import path contains the search, ignoring case (ASCII
 * case on SQLite, whose lower() folds only A–Z). The same on both dialects: lower() on both sides and an
 * explicit ESCAPE, since PostgreSQL's LIKE is case-sensitive and SQLite's is not.
 */
function matchingImages(eb: ExpressionBuilder<Database, 'images'>, filter: ImageFilter): Expression<SqlBool> {
  const conditions: Expression<SqlBool>[] = [];
  if (filter.personId) {
    conditions.push(
      eb.exists(
        eb
          .selectFrom('faces')
          .select('faces.id')
          .whereRef('faces.image_id', '=', 'images.id')
          .where('faces.person_id', '=', filter.personId),
      ),
    );
  }
  const search = filter.search?.trim();
  if (search) {
    const pattern = `%${likeLiteral(search.toLowerCase())}%`;
    conditions.push(
      eb.or([
        sql<SqlBool>`lower(${eb.ref('images.file')}) like ${pattern} escape '\\'`,
        sql<SqlBool>`lower(${eb.ref('images.import_path')}) like ${pattern} escape '\\'`,
      ]),
    );
  }
  return eb.and(conditions);
}
