export interface SseEvent {
  id: number;
  event: string;
  data: unknown;
}

/** Reads a Server-Sent Events stream in the background and collects its events. */
export class SseClient {
  readonly events: SseEvent[] = [];
  private readonly controller = new AbortController();
  private done: Promise<void> = Promise.resolve();

  /** `headers`: the credentials (e.g. `api.authHeaders()`); the stream needs a signed-in caller. */
  static async connect(
    url: string,
    lastEventId?: number,
    headers: Record<string, string> = {},
  ): Promise<SseClient> {
    const client = new SseClient();
    const res = await fetch(url, {
      headers: { ...headers, ...(lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) }) },
      signal: client.controller.signal,
    });
    if (res.status !== 200 || !res.body) throw new Error(`SSE connect failed: ${res.status}`);
    client.done = client.read(res.body);
    return client;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map<string, string>();
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
          }
          if (fields.has('data'))
            this.events.push({
              id: Number(fields.get('id')),
              event: fields.get('event') ?? 'message',
              data: JSON.parse(fields.get('data') as string),
            });
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted by close()
    }
  }

  async waitFor(predicate: (events: SseEvent[]) => boolean, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.events)) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for events; got ${JSON.stringify(this.events).slice(-800)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}
