import { runCli } from '../support/run-cli.ts';

/** The admin every signed-in test uses (created with `faceflow users create-admin`). */
export const TEST_ADMIN = { name: 'test-admin', password: 'test-admin-password-123' };

/** A small fetch client for the faceflow API in tests; with a token it sends `Authorization: Bearer` on every call. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  /** The auth header of this client ({} without a token), for tests that call fetch themselves. */
  authHeaders(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  /** The same client without credentials (to check what an anonymous caller gets). */
  anonymous(): ApiClient {
    return new ApiClient(this.baseUrl);
  }

  async json<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...this.authHeaders(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }

  async upload<T = unknown>(
    path: string,
    files: { name: string; bytes: Uint8Array }[],
  ): Promise<{ status: number; body: T }> {
    const form = new FormData();
    for (const f of files) form.append('file', new Blob([new Uint8Array(f.bytes)]), f.name);
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      body: form,
      headers: this.authHeaders(),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }

  /** Polls `GET path` until `done(body)` holds, or throws after `timeoutMs`. */
  async waitFor<T>(path: string, done: (body: T) => boolean, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T | undefined;
    while (Date.now() < deadline) {
      const { status, body } = await this.json<T>('GET', path);
      last = body;
      if (status === 200 && done(body)) return body;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting on ${path}; last answer: ${JSON.stringify(last)?.slice(0, 500)}`);
  }
}

export interface ImageJson {
  id: string;
  file: string;
  status: string;
  attempts: number;
  lastError: { code: string; message: string } | null;
  faces: {
    id: string;
    person: { id: string; name: string } | null;
    distance: number | null;
    match: string;
  }[];
  people: { id: string; name: string }[];
}

export interface IngestJson {
  images: { id: string; file: string; status: string; duplicate: boolean }[];
  rejected: { file: string; error: { code: string; message: string } }[];
}

export interface ErrorJson {
  error: { code: string; message: string };
}

/** Signs in with name and password (POST /api/auth/login) and answers a client that sends the access token. */
export async function signIn(baseUrl: string, name: string, password: string): Promise<ApiClient> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  const body = (await res.json()) as { accessToken?: string };
  if (res.status !== 200 || !body.accessToken)
    throw new Error(`sign-in as ${name} failed: ${res.status} ${JSON.stringify(body)}`);
  return new ApiClient(baseUrl, body.accessToken);
}

/**
 * Creates the test admin with `faceflow users create-admin` on the server's store (`env` names the same
 * DATA_DIR / DATABASE_URL as the server's) and signs in as them. A second call on the same store signs in
 * again (the admin exists already).
 */
export async function signInAsAdmin(baseUrl: string, env: Record<string, string>): Promise<ApiClient> {
  const created = await runCli(['users', 'create-admin', '--name', TEST_ADMIN.name, '--password-stdin'], {
    env,
    input: `${TEST_ADMIN.password}\n`,
  });
  if (created.code !== 0 && !/already exists/.test(created.stderr))
    throw new Error(`faceflow users create-admin failed (${created.code}): ${created.stderr}`);
  return signIn(baseUrl, TEST_ADMIN.name, TEST_ADMIN.password);
}
