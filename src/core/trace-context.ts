/**
 * The W3C trace context of the work that led to something (an upload, a queued job), as text headers:
 * `traceparent` and, when present, `tracestate`. To the core it is opaque: it is stored and carried
 * along, never interpreted, except for the trace id a person can look up.
 */
export type TraceCarrier = Readonly<Record<string, string>>;

/** `version-traceid-parentid-flags`, lower-case hex (W3C Trace Context, level 1). */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
/** The spec's limit is 32 list members of at most 256 characters each; longer is cut off whole. */
const MAX_TRACESTATE = 512;

/** The trace id of a well-formed `traceparent`, or null (absent, malformed, or the all-zero id). */
export function traceIdOf(carrier: TraceCarrier | null | undefined): string | null {
  const match = TRACEPARENT.exec(carrier?.traceparent ?? '');
  if (!match || match[1] === 'ff' || match[2] === ZERO_TRACE || match[3] === ZERO_SPAN) return null;
  return match[2] ?? null;
}

/**
 * Keeps what a carrier may hold: a valid `traceparent` and a `tracestate` of printable ASCII within the
 * length limit. Anything else (other keys, a malformed parent, a carrier from a stranger's message) gives
 * null, so a bad header never reaches a tracer or a database row.
 */
export function cleanTraceCarrier(
  source: Readonly<Record<string, unknown>> | null | undefined,
): TraceCarrier | null {
  const parent = source?.traceparent;
  if (typeof parent !== 'string' || traceIdOf({ traceparent: parent }) === null) return null;
  const state = source?.tracestate;
  if (
    typeof state === 'string' &&
    state.length > 0 &&
    state.length <= MAX_TRACESTATE &&
    /^[\x20-\x7e]*$/.test(state)
  )
    return { traceparent: parent, tracestate: state };
  return { traceparent: parent };
}

/** A carrier as stored in a text column (JSON), and back; unreadable text reads as none. */
export function encodeTraceCarrier(carrier: TraceCarrier | null | undefined): string | null {
  const clean = cleanTraceCarrier(carrier);
  return clean ? JSON.stringify(clean) : null;
}

export function decodeTraceCarrier(text: string | null | undefined): TraceCarrier | null {
  if (!text) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null
      ? cleanTraceCarrier(parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
