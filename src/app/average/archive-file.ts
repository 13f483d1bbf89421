import { close, read } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ArchiveSource } from '../../ports/archive-reader.ts';
import { openRegularFd } from '../confine-path.ts';

const closeFd = promisify(close);
const readFd = promisify(read);
const CHUNK_BYTES = 64 * 1024;

/** The bytes of `fd` from `start` up to `end` (exclusive) or its end, by positioned reads. */
async function* readRange(fd: number, start: number, end: number): AsyncGenerator<Uint8Array> {
  for (let at = start; at < end; ) {
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, end - at));
    const { bytesRead } = await readFd(fd, buffer, 0, buffer.length, at);
    if (bytesRead === 0) return;
    at += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/**
 * A local archive (a real path, already confined) as an archive source: one descriptor, opened without
 * blocking on a FIFO or a device, read from the start (tar) or by ranges (zip) with positioned reads, so
 * that any number of readers share it; `name` is what messages call it; `close` releases it.
 */
export async function openArchiveFile(
  file: string,
  name = path.basename(file),
): Promise<{ source: ArchiveSource; close(): Promise<void> }> {
  const { fd, size } = await openRegularFd(file);
  const source: ArchiveSource = {
    name,
    size,
    stream: () => readRange(fd, 0, Number.POSITIVE_INFINITY),
    range: (start, end) => readRange(fd, start, end),
  };
  return { source, close: () => closeFd(fd) };
}
