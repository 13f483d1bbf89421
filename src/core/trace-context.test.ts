import { describe, expect, it } from 'vitest';
import { cleanTraceCarrier, decodeTraceCarrier, encodeTraceCarrier, traceIdOf } from './trace-context.ts';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('W3C trace carriers', () => {
  it('reads the trace id of a valid traceparent', () => {
    expect(traceIdOf({ traceparent: PARENT })).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('finds no trace id in a missing, malformed, all-zero or version-ff traceparent', () => {
    expect(traceIdOf(null)).toBeNull();
    expect(traceIdOf({})).toBeNull();
    expect(traceIdOf({ traceparent: PARENT.toUpperCase() })).toBeNull();
    expect(traceIdOf({ traceparent: `${PARENT}-extra` })).toBeNull();
    expect(traceIdOf({ traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` })).toBeNull();
    expect(traceIdOf({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01' })).toBeNull();
    expect(traceIdOf({ traceparent: PARENT.replace(/^00/, 'ff') })).toBeNull();
  });

  it('keeps only traceparent and a sane tracestate', () => {
    expect(cleanTraceCarrier({ traceparent: PARENT, tracestate: 'a=1,b=2', baggage: 'x=y' })).toEqual({
      traceparent: PARENT,
      tracestate: 'a=1,b=2',
    });
    expect(cleanTraceCarrier({ traceparent: PARENT, tracestate: 'x'.repeat(513) })).toEqual({
      traceparent: PARENT,
    });
    expect(cleanTraceCarrier({ traceparent: PARENT, tracestate: 'a=1\nInjected: yes' })).toEqual({
      traceparent: PARENT,
    });
    expect(cleanTraceCarrier({ traceparent: 42 })).toBeNull();
    expect(cleanTraceCarrier({ tracestate: 'a=1' })).toBeNull();
  });

  it('round-trips through a text column; unreadable text reads as no carrier', () => {
    const text = encodeTraceCarrier({ traceparent: PARENT, tracestate: 'a=1' });
    expect(decodeTraceCarrier(text)).toEqual({ traceparent: PARENT, tracestate: 'a=1' });
    expect(encodeTraceCarrier(null)).toBeNull();
    expect(encodeTraceCarrier({ traceparent: 'nope' })).toBeNull();
    expect(decodeTraceCarrier(null)).toBeNull();
    expect(decodeTraceCarrier('{not json')).toBeNull();
    expect(decodeTraceCarrier('"a string"')).toBeNull();
    expect(decodeTraceCarrier('{"traceparent":"bad"}')).toBeNull();
  });
});
