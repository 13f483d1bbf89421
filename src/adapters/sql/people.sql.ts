import type { Kysely } from 'kysely';
import { newId } from '../../core/ids.ts';
import type { PeopleStore, Person } from '../../ports/people.ts';
import { bumpGalleryVersion } from './gallery-version.ts';
import { addOutboxJob, reidentifyJob } from './outbox-jobs.ts';
import { toPerson } from './rows.ts';
import type { Database } from './schema.ts';

/** PeopleStore on Kysely, dialect-neutral. */
export class SqlPeopleStore implements PeopleStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** People with the number of their enrolled faces. */
  private peopleQuery() {
    return this.db
      .selectFrom('people')
      .select(['people.id', 'people.name', 'people.created_at', 'people.updated_at'])
      .select((eb) =>
        eb
          .selectFrom('enrolled_faces')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('enrolled_faces.person_id', '=', 'people.id')
          .as('enrolled'),
      );
  }

  async createPerson(name: string, now: number): Promise<Person> {
    const id = newId('per', now);
    await this.db.insertInto('people').values({ id, name, created_at: now, updated_at: now }).execute();
    return { id, name, createdAt: now, updatedAt: now, enrolledFaces: 0 };
  }

  async getPerson(id: string): Promise<Person | null> {
    const row = await this.peopleQuery().where('people.id', '=', id).executeTakeFirst();
    return row ? toPerson(row) : null;
  }

  async listPeople(): Promise<Person[]> {
    const rows = await this.peopleQuery().orderBy('people.name').orderBy('people.id').execute();
    return rows.map(toPerson);
  }

  async renamePerson(id: string, name: string, now: number): Promise<Person | null> {
    const result = await this.db
      .updateTable('people')
      .set({ name, updated_at: now })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n ? this.getPerson(id) : null;
  }

  async deletePerson(id: string, now: number, requestId: string | null): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('people').select('id').where('id', '=', id).executeTakeFirst();
      if (!existing) return false;
      await trx
        .updateTable('faces')
        .set({ person_id: null, distance: null, match_source: 'auto', needs_rematch: 1 })
        .where('person_id', '=', id)
        .execute();
      await trx.deleteFrom('enrolled_faces').where('person_id', '=', id).execute();
      await trx.deleteFrom('people').where('id', '=', id).execute();
      await bumpGalleryVersion(trx);
      await addOutboxJob(trx, reidentifyJob('delete', id, requestId), now);
      return true;
    });
  }
}
