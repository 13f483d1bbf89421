import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.ts';
import { errorHandler } from '../http/errors.ts';
import { logRequest } from '../http/request-log.ts';
import { createLogger, logDestination } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger redaction', () => {
  it('never writes credentials from headers or password, token and key fields', () => {
    const { lines, stream } = capture();
    const log = createLogger('info', 'test', stream);
    log.info(
      {
        req: {
          headers: {
            authorization: 'Bearer eyJ.secret-jwt',
            cookie: 'ff_access=secret-cookie',
            'x-api-key': 'ffk_secretkey',
            accept: 'application/json',
          },
        },
        res: { headers: { 'set-cookie': 'ff_refresh=secret-refresh' } },
        body: { name: 'alice', password: 'secret-password', token: 'secret-setup-token' },
        result: { accessToken: 'secret-access', refreshToken: 'secret-rt', apiKey: 'ffk_secret2' },
        face: { embedding: [0.1, 0.2] },
      },
      'request',
    );
    log.info({ password: 'secret-top' }, 'top level');
    const text = lines.join('');
    expect(text).not.toMatch(/secret/);
    expect(text).not.toContain('0.1');
    expect(text).toContain('application/json');
    expect(text).toContain('alice');
    expect(text.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(11);
  });
});

describe('createLogger: one "msg" per line', () => {
  const msgKeys = (line: string) => line.match(/"msg":/g)?.length ?? 0;

  it('writes the message key once when a rejected request is logged by the error handler', async () => {
    const { lines, stream } = capture();
    const app = Fastify({
      loggerInstance: createLogger('info', 'test', stream),
      disableRequestLogging: true,
    });
    app.setErrorHandler(errorHandler);
    app.get('/x', async () => {
      throw new AppError('invalid_input', 'the reason a client sees');
    });
    const res = await app.inject({ method: 'GET', url: '/x' });
    await app.close();
    expect(res.statusCode).toBe(400);
    const [line] = lines.filter((l) => l.includes('request rejected'));
    expect(line, lines.join('')).toBeDefined();
    expect(msgKeys(line as string), line).toBe(1);
    // The reason is still there, under a key of its own.
    expect(JSON.parse(line as string)).toMatchObject({
      msg: 'request rejected',
      code: 'invalid_input',
      reason: 'the reason a client sees',
    });
  });

  it('keeps one "msg" even when a caller passes a msg field in the object', () => {
    const { lines, stream } = capture();
    const log = createLogger('info', 'test', stream);
    log.info({ msg: 'from the object', n: 1 }, 'the message');
    log.child({ component: 'c' }).warn({ msg: 'again' }, 'child message');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(msgKeys(line), line).toBe(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ msg: 'the message', n: 1 });
  });
});

describe('logDestination: readable at a terminal, JSON otherwise', () => {
  function terminal() {
    const captured = capture();
    return { ...captured, stream: Object.assign(captured.stream, { isTTY: true }) };
  }

  it('writes one human-readable line per entry to a terminal, and JSON to a pipe', () => {
    const tty = terminal();
    createLogger('info', 'test', logDestination('auto', tty.stream)).info({ photos: 3 }, 'faceflow started');
    expect(tty.lines).toHaveLength(1);
    const line = tty.lines[0] as string;
    expect(() => JSON.parse(line)).toThrow();
    expect(line).toMatch(/\d\d:\d\d:\d\d/);
    expect(line).toContain('INFO');
    expect(line).toContain('faceflow started');
    expect(line).toContain('photos');
    expect(line).not.toContain('"pid"');

    const pipe = capture();
    createLogger('info', 'test', logDestination('auto', pipe.stream)).info('faceflow started');
    expect(JSON.parse(pipe.lines[0] as string)).toMatchObject({ msg: 'faceflow started', level: 30 });

    const forced = capture();
    createLogger('info', 'test', logDestination('json', terminal().stream)).info('x');
    expect(forced.lines).toEqual([]);
    createLogger('info', 'test', logDestination('pretty', forced.stream)).info('readable anyway');
    expect(forced.lines[0]).toContain('readable anyway');
    expect(() => JSON.parse(forced.lines[0] as string)).toThrow();
  });

  it('still redacts secrets in the readable format', () => {
    const tty = terminal();
    createLogger('info', 'test', logDestination('pretty', tty.stream)).info({ password: 'secret-pw' }, 'x');
    expect(tty.lines.join('')).not.toContain('secret-pw');
  });
});

describe('request logs', () => {
  async function linesAt(level: string) {
    const { lines, stream } = capture();
    const app = Fastify({ loggerInstance: createLogger(level, 'test', stream), disableRequestLogging: true });
    app.addHook('onResponse', async (request, reply) => logRequest(request, reply));
    app.get('/api/system', async () => ({ ok: true }));
    await app.inject({ method: 'GET', url: '/api/system?x=1' });
    await app.close();
    return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  it('writes one line per request at debug, and none at info', async () => {
    expect(await linesAt('info')).toEqual([]);
    const lines = await linesAt('debug');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 20,
      msg: 'request',
      method: 'GET',
      url: '/api/system',
      status: 200,
    });
  });
});
