import type { Generated, Kysely, Transaction } from 'kysely';

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
  /** The upload's W3C trace context, JSON (migration 0011). */
  trace_context: string | null;
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
  /** The suggested person (face group) of a face without a person (migration 0009). */
  group_id: string | null;
  created_at: number;
}

export interface PeopleTable {
  id: string;
  name: string;
  created_at: number;
  updated_at: number;
  /** Migration 0009: hidden from the People page; the face shown for them, when chosen. */
  hidden: Generated<number>;
  cover_face_id: string | null;
}

/** A suggested person: a group of unknown faces (migration 0009). */
export interface FaceGroupsTable {
  id: string;
  cover_face_id: string | null;
  created_at: number;
  updated_at: number;
}

/** "Not this person": the face must not go back to `rejected_id` (a person's or a face group's id). */
export interface FaceRejectionsTable {
  face_id: string;
  rejected_id: string;
  created_at: number;
}

export interface EnrolledFacesTable {
  id: string;
  person_id: string;
  embedding: Uint8Array;
  model_name: string;
  model_version: string;
  source_image_id: string | null;
  source_face_id: string | null;
  /** JPEG of the face, for faces enrolled from an uploaded photo (migration 0006). */
  thumbnail: Uint8Array | null;
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
  /** The W3C trace context the job was published with, JSON (migration 0011). */
  trace_context: string | null;
}

export interface MetaTable {
  key: string;
  value: string;
}

/** `failed_logins` and `locked_until` are still in the table but unused since migration 0008 (`login_failures`). */
export interface UsersTable {
  id: string;
  name: string;
  /** `userNameKey(name)`, unique (see migration 0008 for rows that collided). */
  name_key: string;
  role: string;
  password_hash: string;
  token_generation: Generated<number>;
  /** Encrypted TOTP secret while 2FA is on (migration 0009); null when off. */
  totp_secret: string | null;
  /** Encrypted secret of a setup not yet confirmed with a code. */
  totp_pending_secret: string | null;
  /** The last 30-second step whose code was accepted (a code is taken once). */
  totp_last_step: number | null;
  created_at: number;
  updated_at: number;
}

/** One-time recovery codes of users with 2FA (migration 0009): sha256 only. */
export interface RecoveryCodesTable {
  id: string;
  user_id: string;
  code_hash: string;
  used_at: number | null;
  created_at: number;
}

export interface LoginFailuresTable {
  key: string;
  failures: number;
  window_start: number;
  locked_until: number | null;
}

export interface RefreshTokensTable {
  id: string;
  user_id: string;
  token_hash: string;
  family_id: string;
  expires_at: number;
  revoked_at: number | null;
  created_at: number;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  role: string;
  key_hash: string;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface SetupTokensTable {
  id: string;
  token_hash: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

/** One row per worker process (migration 0007). */
export interface WorkerHeartbeatsTable {
  id: string;
  host: string;
  pid: number;
  role: string;
  engine_threads: number;
  threads_busy: number;
  jobs_in_hand: number;
  concurrency: number;
  breaker_state: string | null;
  started_at: number;
  last_seen: number;
  interval_ms: number;
}

/** Table shapes of migration 0002 (times in ms since the epoch, JSON in text columns). */
export interface AverageJobsTable {
  id: string;
  state: string;
  source: string;
  options: string;
  total_chunks: number | null;
  total_entries: number;
  rejected: string;
  result: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface AverageChunksTable {
  job_id: string;
  chunk_index: number;
  entries: string;
  entry_count: number;
  state: string;
  partial: string | null;
  created_at: number;
  completed_at: number | null;
  queued_at: number | null;
}

/** Table shape of migration 0005. */
export interface AuditLogTable {
  id: string;
  at: number;
  actor_kind: string;
  actor_id: string;
  actor_name: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: string;
}

export interface Database {
  images: ImagesTable;
  faces: FacesTable;
  people: PeopleTable;
  face_groups: FaceGroupsTable;
  face_rejections: FaceRejectionsTable;
  enrolled_faces: EnrolledFacesTable;
  outbox: OutboxTable;
  jobs: JobsTable;
  meta: MetaTable;
  worker_heartbeats: WorkerHeartbeatsTable;
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
  api_keys: ApiKeysTable;
  setup_tokens: SetupTokensTable;
  login_failures: LoginFailuresTable;
  recovery_codes: RecoveryCodesTable;
  average_jobs: AverageJobsTable;
  average_chunks: AverageChunksTable;
  audit_log: AuditLogTable;
}

/** A connection or the transaction in hand: helpers that write inside the caller's transaction take either. */
export type Db = Kysely<Database> | Transaction<Database>;
