/** The faceflow REST API as the UI uses it (see /openapi.json for the full contract). */

export const IMAGE_STATUSES = ['pending', 'processing', 'processed', 'failed'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

export interface PersonRef {
  id: string;
  name: string;
}

export interface Box {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface ErrorInfo {
  code: string;
  message: string;
}

export interface ImageRow {
  id: string;
  file: string;
  sha256: string;
  size: number;
  mediaType: string;
  status: ImageStatus;
  attempts: number;
  lastError: ErrorInfo | null;
  width: number | null;
  height: number | null;
  createdAt: string;
  updatedAt: string;
  processedAt: string | null;
}

export interface Face {
  id: string;
  index: number;
  box: Box;
  score: number;
  model: string;
  person: PersonRef | null;
  distance: number | null;
  match: 'auto' | 'manual';
}

export interface ImageDetail extends ImageRow {
  importPath: string | null;
  faces: Face[];
  people: PersonRef[];
  /** The trace of the upload, when tracing was on (OTEL_EXPORTER_OTLP_ENDPOINT). */
  traceId: string | null;
}

export interface Person {
  id: string;
  name: string;
  enrolledFaces: number;
  createdAt: string;
  updatedAt: string;
}

/** A person or a suggested person (a group of unknown faces, `name` null) as the People page lists them. */
export interface PersonSummary {
  id: string;
  name: string | null;
  suggested: boolean;
  hidden: boolean;
  faceCount: number;
  photoCount: number;
  cover: { faceId: string; imageId: string } | null;
  enrolledFaces: number;
  createdAt: string;
  updatedAt: string;
}

export interface PersonDetail extends PersonSummary {
  images: ImageRow[];
}

/** A face of a person or suggestion in a stored photo. */
export interface GroupedFace {
  faceId: string;
  imageId: string;
  box: Box;
  score: number;
  matchSource: 'auto' | 'manual';
}

export interface ImagePage {
  images: ImageRow[];
  nextCursor: string | null;
}

export interface IngestResult {
  images: { id: string; file: string; status: ImageStatus; duplicate: boolean }[];
  rejected: { file: string; error: ErrorInfo }[];
}

export interface EnrollResult {
  person: Person;
  enrolledId: string;
  face: { box: Box; score: number; imageId: string | null; faceId: string | null };
}

export interface Match {
  id: string;
  name: string;
  distance: number;
}

export interface IdentifyResult {
  width: number;
  height: number;
  model: string;
  threshold: number;
  faces: { box: Box; score: number; match: Match | null; candidates: Match[] }[];
}

export interface SystemStats {
  images: Record<ImageStatus, number>;
  queue: { ready: number; inFlight: number; delayed: number } | null;
  engine: { threads: number; busy: number; queuedInteractive: number; queuedBatch: number };
  throughput: { bucketSeconds: number; since: string; processed: number[]; failed: number[] };
  failures: ImageRow[];
  /** Files refused at upload or import (never stored), newest first. */
  rejectedUploads?: { file: string; error: Pick<ErrorInfo, 'code' | 'message'>; at: string; more: number }[];
}

/** A batch job (dataset averages) as `GET /api/jobs` lists it. */
export interface BatchJob {
  id: string;
  kind: string;
  state: 'preparing' | 'running' | 'done' | 'failed' | 'cancelled';
  source: string;
  progress: {
    photosDone: number;
    photosTotal: number | null;
    photosPerSecond: number;
    etaSeconds: number | null;
  };
  /** A URL data set's download while it runs (null otherwise). */
  download?: {
    bytes: number;
    totalBytes: number | null;
    bytesPerSecond: number;
    etaSeconds: number | null;
    complete: boolean;
  } | null;
  rejected: { entry: string; reason: string }[];
  error: ErrorInfo | null;
  createdAt: string;
  finishedAt: string | null;
}

/** An error answer of the API (`{error:{code,message}}`), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function errorFromBody(status: number, body: unknown): ApiError {
  const error = (body as { error?: Partial<ErrorInfo> } | null)?.error;
  if (error?.code && error.message) return new ApiError(status, error.code, error.message);
  return new ApiError(status, 'http_error', `the server answered ${status}`);
}

async function send(path: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init);
  } catch (error) {
    if (init?.signal?.aborted) throw error;
    throw new ApiError(0, 'network', `the server cannot be reached (${String(error)})`);
  }
}

/**
 * Calls the API with the session cookie. On 401 the session is renewed once (`POST /api/auth/refresh`) and
 * the call repeated; when that fails too the app is told (it shows the login page).
 */
async function request<T>(path: string, init?: RequestInit): Promise<T> {
  let response = await send(path, init);
  if (response.status === 401 && !isAuthPath(path) && (await session.renew()))
    response = await send(path, init);
  if (response.status === 401 && !isAuthPath(path)) session.expired();
  if (response.status === 204) return undefined as T;
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw errorFromBody(response.status, body);
  return body as T;
}

const isAuthPath = (path: string) => path.startsWith('/api/auth/');

type SessionListener = () => void;

/** The browser session: one refresh at a time, and who to tell when it has ended. */
export const session = {
  renewing: null as Promise<boolean> | null,
  listeners: new Set<SessionListener>(),
  /** Renews the access cookie with the refresh cookie; concurrent callers share one attempt. */
  renew(): Promise<boolean> {
    this.renewing ??= fetch('/api/auth/refresh', { method: 'POST' })
      .then((r) => r.ok)
      .catch(() => false)
      .finally(() => {
        // Let the calls that are waiting see the result, then allow a later renewal.
        setTimeout(() => {
          this.renewing = null;
        }, 0);
      });
    return this.renewing;
  },
  expired(): void {
    for (const listener of this.listeners) listener();
  },
  onExpired(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  },
};

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export interface ImageFilter {
  status?: ImageStatus;
  person?: string;
  /** Part of the file name or import path (the server searches every photo, case-insensitive). */
  q?: string;
}

export type Role = 'viewer' | 'editor' | 'admin';

export interface User {
  id: string;
  name: string;
  role: Role;
  kind?: string;
  /** In the admin's user list: whether they sign in with a second factor. */
  totpEnabled?: boolean;
  /** Their role requires 2FA (TOTP_REQUIRED) and it is not on yet: only enrolment is open to them. */
  mustEnrolTotp?: boolean;
}

export interface TotpStatus {
  enabled: boolean;
  required: boolean;
  pending: boolean;
  recoveryCodesLeft: number;
}

export interface AuthConfig {
  authDisabled: boolean;
  setupNeeded: boolean;
  /** What the browser's session cookies are worth (`expired`: a refresh may renew the session). */
  session: 'active' | 'expired' | 'none';
}

export interface SignedIn {
  accessToken: string;
  expiresIn: number;
  user: User;
}

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  createdAt?: string;
  lastUsedAt?: string | null;
  revokedAt?: string | null;
}

export interface EnrolledFace {
  id: string;
  createdAt: string;
  source: { imageId: string; faceId: string } | null;
  thumbnailUrl: string | null;
}

function filterQuery(filter: Omit<ImageFilter, 'status'>): URLSearchParams {
  const query = new URLSearchParams();
  if (filter.person) query.set('person', filter.person);
  const q = filter.q?.trim();
  if (q) query.set('q', q);
  return query;
}

export const api = {
  listImages(filter: ImageFilter, cursor: string | null, limit = 50): Promise<ImagePage> {
    const query = filterQuery(filter);
    query.set('limit', String(limit));
    if (filter.status) query.set('status', filter.status);
    if (cursor) query.set('cursor', cursor);
    return request(`/api/images?${query}`);
  },
  imageCounts: (
    filter: Omit<ImageFilter, 'status'> = {},
  ): Promise<{ counts: Record<ImageStatus, number>; total: number }> =>
    request(`/api/images/counts?${filterQuery(filter)}`),
  getImage: (id: string): Promise<ImageDetail> => request(`/api/images/${encodeURIComponent(id)}`),
  deleteImage: (id: string): Promise<void> =>
    request(`/api/images/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  retryImage: (id: string): Promise<{ id: string; status: 'pending' }> =>
    request(`/api/images/${encodeURIComponent(id)}/retry`, { method: 'POST' }),
  /** Named people only (pickers, filters). */
  listPeople: (): Promise<{ people: Person[] }> => request('/api/people?suggested=false'),
  /** Named people, then suggested ones: the People page. */
  listPeopleAndSuggestions: (): Promise<{ people: PersonSummary[] }> => request('/api/people'),
  photoFaces: (id: string): Promise<{ faces: GroupedFace[] }> =>
    request(`/api/people/${encodeURIComponent(id)}/photo-faces`),
  updatePerson: (
    id: string,
    changes: { name?: string; hidden?: boolean; coverFaceId?: string },
  ): Promise<PersonSummary> => request(`/api/people/${encodeURIComponent(id)}`, json('PATCH', changes)),
  mergePerson: (id: string, into: string): Promise<PersonSummary> =>
    request(`/api/people/${encodeURIComponent(id)}/merge`, json('POST', { into })),
  moveFaces: (id: string, faceIds: string[], to: string): Promise<{ moved: number }> =>
    request(`/api/people/${encodeURIComponent(id)}/faces/move`, json('POST', { faceIds, to })),
  rejectFaces: (id: string, faceIds: string[]): Promise<{ rejected: number }> =>
    request(`/api/people/${encodeURIComponent(id)}/faces/reject`, json('POST', { faceIds })),
  regroup: (): Promise<{ faces: number; groups: number; suggestions: number }> =>
    request('/api/regroup', { method: 'POST' }),
  getPerson: (id: string): Promise<PersonDetail> => request(`/api/people/${encodeURIComponent(id)}`),
  enrolledFaces: (id: string): Promise<{ faces: EnrolledFace[] }> =>
    request(`/api/people/${encodeURIComponent(id)}/faces`),
  createPerson: (name: string): Promise<Person> => request('/api/people', json('POST', { name })),
  renamePerson: (id: string, name: string): Promise<Person> =>
    request(`/api/people/${encodeURIComponent(id)}`, json('PATCH', { name })),
  /** `purge`: also delete every photo they appear in (rows, faces and stored bytes). */
  deletePerson: (id: string, purge = false): Promise<unknown> =>
    request(`/api/people/${encodeURIComponent(id)}${purge ? '?purge=photos' : ''}`, { method: 'DELETE' }),
  enrollFace: (personId: string, faceId: string): Promise<EnrollResult> =>
    request(`/api/people/${encodeURIComponent(personId)}/faces`, json('POST', { faceId })),
  enrollPhoto(personId: string, file: Blob, name: string): Promise<EnrollResult> {
    const form = new FormData();
    form.append('file', file, name);
    return request(`/api/people/${encodeURIComponent(personId)}/faces`, { method: 'POST', body: form });
  },
  assignFace: (faceId: string, personId: string): Promise<Face> =>
    request(`/api/faces/${encodeURIComponent(faceId)}/assign`, json('POST', { personId })),
  identify(frame: Blob, signal?: AbortSignal): Promise<IdentifyResult> {
    const form = new FormData();
    form.append('file', frame, 'frame.jpg');
    return request('/api/identify', { method: 'POST', body: form, signal });
  },
  system: (): Promise<SystemStats> => request('/api/system'),
  listJobs: (): Promise<{ jobs: BatchJob[] }> => request('/api/jobs?limit=10'),
  cancelJob: (id: string): Promise<BatchJob> =>
    request(`/api/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' }),

  /** Whether the server runs without sign-in, and whether the first admin is still to be created. */
  authConfig: (): Promise<AuthConfig> => request('/api/auth/config'),
  me: (): Promise<{ user: User }> => request('/api/auth/me'),
  /** `code`: the 6-digit code or a recovery code, once the server answered `totp_required`. */
  login: (name: string, password: string, code?: string): Promise<SignedIn> =>
    request('/api/auth/login', json('POST', { name, password, ...(code ? { code } : {}) })),
  totpStatus: (): Promise<TotpStatus> => request('/api/auth/totp'),
  totpSetup: (): Promise<{ secret: string; otpauthUrl: string }> =>
    request('/api/auth/totp/setup', { method: 'POST' }),
  totpEnable: (code: string): Promise<{ recoveryCodes: string[] }> =>
    request('/api/auth/totp/enable', json('POST', { code })),
  totpDisable: (code: string): Promise<void> => request('/api/auth/totp/disable', json('POST', { code })),
  resetUserTotp: (id: string): Promise<void> =>
    request(`/api/users/${encodeURIComponent(id)}/totp`, { method: 'DELETE' }),
  setup: (token: string, name: string, password: string): Promise<SignedIn> =>
    request('/api/auth/setup', json('POST', { token, name, password })),
  logout: (): Promise<void> => request('/api/auth/logout', { method: 'POST' }),
  listUsers: (): Promise<{ users: User[] }> => request('/api/users'),
  createUser: (name: string, password: string, role: Role): Promise<User> =>
    request('/api/users', json('POST', { name, password, role })),
  deleteUser: (id: string): Promise<void> =>
    request(`/api/users/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  listKeys: (): Promise<{ keys: ApiKey[] }> => request('/api/keys'),
  createKey: (name: string, role: Role): Promise<ApiKey & { key: string }> =>
    request('/api/keys', json('POST', { name, role })),
  revokeKey: (id: string): Promise<void> =>
    request(`/api/keys/${encodeURIComponent(id)}`, { method: 'DELETE' }),
};

export const imageContentUrl = (id: string) => `/api/images/${encodeURIComponent(id)}/content`;
/** A JPEG of the photo that fits in size×size (any stored format, even those browsers cannot show). */
export const imagePreviewUrl = (id: string, size: number) =>
  `/api/images/${encodeURIComponent(id)}/preview?size=${size}`;
export const faceThumbnailUrl = (imageId: string, faceId: string, size = 96) =>
  `/api/images/${encodeURIComponent(imageId)}/faces/${encodeURIComponent(faceId)}/thumbnail?size=${size}`;

/** Uploads one file with XMLHttpRequest (fetch cannot report upload progress). */
export async function uploadImage(
  file: File,
  name: string,
  onProgress: (fraction: number) => void,
): Promise<IngestResult> {
  try {
    return await uploadOnce(file, name, onProgress);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    if (!(await session.renew())) {
      session.expired();
      throw error;
    }
    return uploadOnce(file, name, onProgress);
  }
}

function uploadOnce(file: File, name: string, onProgress: (fraction: number) => void): Promise<IngestResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/images');
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status === 201) resolve(xhr.response as IngestResult);
      else reject(errorFromBody(xhr.status, xhr.response));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'the upload did not reach the server'));
    const form = new FormData();
    form.append('file', file, name);
    xhr.send(form);
  });
}

/** A sentence a person can act on, for an API error. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return String(error instanceof Error ? error.message : error);
  switch (error.code) {
    case 'invalid_image':
      return `Not an image faceflow can read: ${error.message}`;
    case 'image_too_large':
      return `Image too large: ${error.message}`;
    case 'payload_too_large':
      return `File too large: ${error.message}`;
    case 'no_face':
      return `No usable face: ${error.message}`;
    case 'network':
      return `Network problem: ${error.message}`;
    case 'forbidden':
      return `Not allowed for your role: ${error.message}`;
    case 'unauthorized':
      return 'You are signed out. Sign in again.';
    case 'invalid_code':
      return 'Wrong or already used code: wait for the next one and try again.';
    case 'totp_enrollment_required':
      return 'Turn on two-factor sign-in first (your role requires it).';
    default:
      return error.message;
  }
}
