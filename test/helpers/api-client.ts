/** A small fetch client for the faceflow API in tests. */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async json<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
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
    const res = await fetch(`${this.baseUrl}${path}`, { method: 'POST', body: form });
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
