/**
 * The faceflow REST API as the UI uses it. Every shape below is derived from `paths`, which
 * `npm run gen:web-types` generates from the server's OpenAPI document (/openapi.json): a server change
 * that breaks the UI fails `npm run check`.
 */
import type { paths } from './gen/api-types.ts';

type Method = 'get' | 'post' | 'patch' | 'delete';
type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;
/** The JSON body of the `status` answer of `method path`, as the server's document declares it. */
export type Answer<P extends keyof paths, M extends Method, S extends number = 200> = paths[P][M] extends {
  responses: infer R;
}
  ? S extends keyof R
    ? JsonOf<R[S]>
    : never
  : never;

export type ImagePage = Answer<'/api/images', 'get'>;
export type ImageRow = ImagePage['images'][number];
export type ImageStatus = ImageRow['status'];
export type ImageDetail = Answer<'/api/images/{id}', 'get'>;
export type Face = ImageDetail['faces'][number];
export type PersonRef = ImageDetail['people'][number];
export type Box = Face['box'];
export type ErrorInfo = NonNullable<ImageRow['lastError']>;
export type IngestResult = Answer<'/api/images', 'post', 201>;
export type ImageCounts = Answer<'/api/images/counts', 'get'>;

/** Every status a photo can be in, in the UI's order: a Record of the server's enum, so tsc sees a change. */
const STATUSES: Record<ImageStatus, true> = {
  pending: true,
  processing: true,
  processed: true,
  failed: true,
};
export const IMAGE_STATUSES = Object.keys(STATUSES) as ImageStatus[];

/** A named person, as created (`POST /api/people`). */
export type Person = Answer<'/api/people', 'post', 201>;
/** A person or a suggested person (a group of unknown faces, `name` null) as the People page lists them. */
export type PersonSummary = Answer<'/api/people', 'get'>['people'][number];
/** A person of `GET /api/people?suggested=false`: only named people, so `name` is set. */
export type NamedPerson = PersonSummary & { name: string };
export type PersonDetail = Answer<'/api/people/{id}', 'get'>;
/** A face of a person or suggestion in a stored photo. */
export type GroupedFace = Answer<'/api/people/{id}/photo-faces', 'get'>['faces'][number];
export type EnrollResult = Answer<'/api/people/{id}/faces', 'post', 201>;
export type EnrolledFace = Answer<'/api/people/{id}/faces', 'get'>['faces'][number];
export type IdentifyResult = Answer<'/api/identify', 'post'>;
export type Match = NonNullable<IdentifyResult['faces'][number]['match']>;
export type SystemStats = Answer<'/api/system', 'get'>;
/** A batch job (dataset averages) as `GET /api/jobs` lists it. */
export type BatchJob = Answer<'/api/jobs', 'get'>['jobs'][number];

export type User = Answer<'/api/auth/me', 'get'>['user'];
export type Role = User['role'];
export type TotpStatus = Answer<'/api/auth/totp', 'get'>;
export type AuthConfig = Answer<'/api/auth/config', 'get'>;
export type SignedIn = Answer<'/api/auth/login', 'post'>;
export type ApiKey = Answer<'/api/keys', 'get'>['keys'][number];
export type NewApiKey = Answer<'/api/keys', 'post', 201>;

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
  imageCounts: (filter: Omit<ImageFilter, 'status'> = {}): Promise<ImageCounts> =>
    request(`/api/images/counts?${filterQuery(filter)}`),
  getImage: (id: string): Promise<ImageDetail> => request(`/api/images/${encodeURIComponent(id)}`),
  deleteImage: (id: string): Promise<void> =>
    request(`/api/images/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  retryImage: (id: string): Promise<Answer<'/api/images/{id}/retry', 'post', 202>> =>
    request(`/api/images/${encodeURIComponent(id)}/retry`, { method: 'POST' }),
  /** Named people only (pickers, filters). */
  listPeople: (): Promise<{ people: NamedPerson[] }> => request('/api/people?suggested=false'),
  /** Named people, then suggested ones: the People page. */
  listPeopleAndSuggestions: (): Promise<Answer<'/api/people', 'get'>> => request('/api/people'),
  photoFaces: (id: string): Promise<Answer<'/api/people/{id}/photo-faces', 'get'>> =>
    request(`/api/people/${encodeURIComponent(id)}/photo-faces`),
  updatePerson: (
    id: string,
    changes: { name?: string; hidden?: boolean; coverFaceId?: string },
  ): Promise<Answer<'/api/people/{id}', 'patch'>> =>
    request(`/api/people/${encodeURIComponent(id)}`, json('PATCH', changes)),
  mergePerson: (id: string, into: string): Promise<Answer<'/api/people/{id}/merge', 'post'>> =>
    request(`/api/people/${encodeURIComponent(id)}/merge`, json('POST', { into })),
  moveFaces: (
    id: string,
    faceIds: string[],
    to: string,
  ): Promise<Answer<'/api/people/{id}/faces/move', 'post'>> =>
    request(`/api/people/${encodeURIComponent(id)}/faces/move`, json('POST', { faceIds, to })),
  rejectFaces: (id: string, faceIds: string[]): Promise<Answer<'/api/people/{id}/faces/reject', 'post'>> =>
    request(`/api/people/${encodeURIComponent(id)}/faces/reject`, json('POST', { faceIds })),
  regroup: (): Promise<Answer<'/api/regroup', 'post'>> => request('/api/regroup', { method: 'POST' }),
  getPerson: (id: string): Promise<PersonDetail> => request(`/api/people/${encodeURIComponent(id)}`),
  enrolledFaces: (id: string): Promise<Answer<'/api/people/{id}/faces', 'get'>> =>
    request(`/api/people/${encodeURIComponent(id)}/faces`),
  createPerson: (name: string): Promise<Person> => request('/api/people', json('POST', { name })),
  renamePerson: (id: string, name: string): Promise<Answer<'/api/people/{id}', 'patch'>> =>
    request(`/api/people/${encodeURIComponent(id)}`, json('PATCH', { name })),
  /** `purge`: also delete every photo they appear in (rows, faces and stored bytes). */
  deletePerson: (id: string, purge = false): Promise<Answer<'/api/people/{id}', 'delete'>> =>
    request(`/api/people/${encodeURIComponent(id)}${purge ? '?purge=photos' : ''}`, { method: 'DELETE' }),
  enrollFace: (personId: string, faceId: string): Promise<EnrollResult> =>
    request(`/api/people/${encodeURIComponent(personId)}/faces`, json('POST', { faceId })),
  enrollPhoto(personId: string, file: Blob, name: string): Promise<EnrollResult> {
    const form = new FormData();
    form.append('file', file, name);
    return request(`/api/people/${encodeURIComponent(personId)}/faces`, { method: 'POST', body: form });
  },
  assignFace: (faceId: string, personId: string): Promise<Answer<'/api/faces/{faceId}/assign', 'post'>> =>
    request(`/api/faces/${encodeURIComponent(faceId)}/assign`, json('POST', { personId })),
  identify(frame: Blob, signal?: AbortSignal): Promise<IdentifyResult> {
    const form = new FormData();
    form.append('file', frame, 'frame.jpg');
    return request('/api/identify', { method: 'POST', body: form, signal });
  },
  system: (): Promise<SystemStats> => request('/api/system'),
  listJobs: (): Promise<Answer<'/api/jobs', 'get'>> => request('/api/jobs?limit=10'),
  cancelJob: (id: string): Promise<Answer<'/api/jobs/{id}/cancel', 'post'>> =>
    request(`/api/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' }),

  /** Whether the server runs without sign-in, and whether the first admin is still to be created. */
  authConfig: (): Promise<AuthConfig> => request('/api/auth/config'),
  me: (): Promise<Answer<'/api/auth/me', 'get'>> => request('/api/auth/me'),
  /** `code`: the 6-digit code or a recovery code, once the server answered `totp_required`. */
  login: (name: string, password: string, code?: string): Promise<SignedIn> =>
    request('/api/auth/login', json('POST', { name, password, ...(code ? { code } : {}) })),
  totpStatus: (): Promise<TotpStatus> => request('/api/auth/totp'),
  totpSetup: (): Promise<Answer<'/api/auth/totp/setup', 'post'>> =>
    request('/api/auth/totp/setup', { method: 'POST' }),
  totpEnable: (code: string): Promise<Answer<'/api/auth/totp/enable', 'post'>> =>
    request('/api/auth/totp/enable', json('POST', { code })),
  totpDisable: (code: string): Promise<void> => request('/api/auth/totp/disable', json('POST', { code })),
  resetUserTotp: (id: string): Promise<void> =>
    request(`/api/users/${encodeURIComponent(id)}/totp`, { method: 'DELETE' }),
  setup: (token: string, name: string, password: string): Promise<Answer<'/api/auth/setup', 'post'>> =>
    request('/api/auth/setup', json('POST', { token, name, password })),
  logout: (): Promise<void> => request('/api/auth/logout', { method: 'POST' }),
  listUsers: (): Promise<Answer<'/api/users', 'get'>> => request('/api/users'),
  createUser: (name: string, password: string, role: Role): Promise<Answer<'/api/users', 'post', 201>> =>
    request('/api/users', json('POST', { name, password, role })),
  deleteUser: (id: string): Promise<void> =>
    request(`/api/users/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  listKeys: (): Promise<Answer<'/api/keys', 'get'>> => request('/api/keys'),
  createKey: (name: string, role: Role): Promise<NewApiKey> =>
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
