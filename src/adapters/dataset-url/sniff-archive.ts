import type { ArchiveKind } from '../../ports/dataset-download.ts';

/** Bytes needed to tell the archive kinds apart (a tar header's magic sits at 257). */
export const SNIFF_BYTES = 512;

/** What the first bytes of a download are, or null for anything but a tar, gzip or zip file. */
export function sniffArchive(head: Uint8Array): ArchiveKind | null {
  if (head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return 'tar.gz';
  if (
    head[0] === 0x50 &&
    head[1] === 0x4b &&
    (head[2] === 0x03 || head[2] === 0x05) &&
    head[3] === head[2] + 1
  )
    return 'zip';
  const magic = new TextDecoder('latin1').decode(head.subarray(257, 262));
  if (magic === 'ustar') return 'tar';
  return null;
}

/** The first bytes, for an error message ("starts with <!DOCTYPE html>…"): printable ASCII only. */
export function describeHead(head: Uint8Array): string {
  const text = Array.from(head.subarray(0, 16), (b) =>
    b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.',
  ).join('');
  return text.length === 0 ? 'it is empty' : `it starts with "${text}"`;
}
