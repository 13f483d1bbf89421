import type { Generated } from 'kysely';

/** Table shapes as Kysely sees them. Times are milliseconds since the epoch; JSON columns are text. */
export interface ImagesTable {
  id: string;
  sha256: string;
  file: string;
  import_path: string | null;
  size: number;
  media_type: string;
  status: string;
  attempts: Generated<number>;
  last_error: string | null;
  last_error_retryable: Generated<number>;
  next_attempt_at: number | null;
  lease_owner: string | null;
  lease_until: number | null;
  width: number | null;
  height: number | null;
  request_id: string | null;
  created_at: number;
  updated_at: number;
  processed_at: number | null;
}

export interface FacesTable {
  id: string;
  image_id: string;
  face_index: number;
  box: string;
  landmarks: string;
  score: number;
  quality: string | null;
  embedding: Uint8Array;
  model_name: string;
  model_version: string;
  person_id: string | null;
  distance: number | null;
  match_source: string;
  needs_rematch: Generated<number>;
  created_at: number;
}

export interface PeopleTable {
  id: string;
  name: string;
  created_at: number;
  updated_at: number;
}

export interface EnrolledFacesTable {
  id: string;
  person_id: string;
  embedding: Uint8Array;
  model_name: string;
  model_version: string;
  source_image_id: string | null;
  source_face_id: string | null;
  created_at: number;
}

export interface OutboxTable {
  id: string;
  job: string;
  created_at: number;
}

export interface JobsTable {
  id: string;
  kind: string;
  payload: string;
  dedupe_key: string | null;
  priority: number;
  available_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  deliveries: Generated<number>;
  created_at: number;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface Database {
  images: ImagesTable;
  faces: FacesTable;
  people: PeopleTable;
  enrolled_faces: EnrolledFacesTable;
  outbox: OutboxTable;
  jobs: JobsTable;
  meta: MetaTable;
}
