/** Media type of photo bytes from their magic numbers (never from the file name). */
export function sniffMediaType(bytes: Uint8Array): string {
  const b = (i: number) => bytes[i] ?? -1;
  const ascii = (start: number, text: string) => [...text].every((c, i) => b(start + i) === c.charCodeAt(0));
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'image/jpeg';
  if (b(0) === 0x89 && ascii(1, 'PNG')) return 'image/png';
  if (ascii(0, 'GIF8')) return 'image/gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp';
  if (ascii(0, 'II*\u0000') || ascii(0, 'MM\u0000*')) return 'image/tiff';
  if (ascii(4, 'ftypavif')) return 'image/avif';
  if (ascii(4, 'ftyphei') || ascii(4, 'ftypmif1')) return 'image/heif';
  if (b(0) === 0x50 && (b(1) === 0x32 || b(1) === 0x35)) return 'image/x-portable-graymap';
  if (b(0) === 0x50 && (b(1) === 0x33 || b(1) === 0x36)) return 'image/x-portable-pixmap';
  return 'application/octet-stream';
}
