export interface Person {
  id: string;
  name: string;
  createdAt: number;
  updatedAt: number;
  enrolledFaces: number;
}

/** The named people of the People pages. */
export interface PeopleStore {
  createPerson(name: string, now: number): Promise<Person>;
  getPerson(id: string): Promise<Person | null>;
  listPeople(): Promise<Person[]>;
  renamePerson(id: string, name: string, now: number): Promise<Person | null>;
  /** Deletes the person and their enrolled embeddings; their faces become unknown and are queued for re-matching. */
  deletePerson(id: string, now: number, requestId: string | null): Promise<boolean>;
}
