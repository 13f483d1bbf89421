import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { describeHead, sniffArchive } from './sniff-archive.ts';

describe('archive kind from the first bytes', () => {
  it('knows gzip, zip (with entries or empty) and tar headers', () => {
    expect(sniffArchive(gzipSync(Buffer.from('x')))).toBe('tar.gz');
    expect(sniffArchive(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0]))).toBe('zip');
    expect(sniffArchive(Buffer.from([0x50, 0x4b, 0x05, 0x06, 0]))).toBe('zip');
    const tar = Buffer.alloc(512);
    tar.write('ustar', 257, 'latin1');
    expect(sniffArchive(tar)).toBe('tar');
  });

  it('refuses anything else, and says what it starts with', () => {
    const html = Buffer.from('<!DOCTYPE html><html><body>Not Found</body></html>');
    expect(sniffArchive(html)).toBeNull();
    expect(sniffArchive(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBeNull();
    expect(sniffArchive(Buffer.from([0x50, 0x4b, 0x03, 0x03]))).toBeNull();
    expect(describeHead(html)).toBe('it starts with "<!DOCTYPE html><"');
    expect(describeHead(Buffer.from([0, 1, 0x41]))).toBe('it starts with "..A"');
    expect(describeHead(new Uint8Array())).toBe('it is empty');
  });
});
