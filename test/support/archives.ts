import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';

export interface ArchiveEntry {
  name: string;
  data?: Uint8Array;
  /** tar: `symlink`; zip: stored with a symlink mode. */
  type?: 'file' | 'symlink' | 'directory';
  /** zip: stored deflated (method 8) instead of as is. */
  deflate?: boolean;
  /** zip: the uncompressed size written in the headers, whatever the data really is (a lying bomb). */
  declaredSize?: number;
}

/** A tar archive of `entries` (names taken verbatim, `../` included: tar-stream does not check them). */
export async function makeTar(entries: ArchiveEntry[], gzip = false): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const e of entries) {
    if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: '/etc/passwd' });
    else if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory' });
    else pack.entry({ name: e.name }, Buffer.from(e.data ?? new Uint8Array()));
  }
  pack.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  return gzip ? gzipSync(tar) : tar;
}

/** A zip archive of stored (or, per entry, deflated) entries, names verbatim — enough to test readers. */
export function makeZip(entries: ArchiveEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.type === 'directory' && !e.name.endsWith('/') ? `${e.name}/` : e.name, 'utf8');
    const data = Buffer.from(
      e.type === 'symlink' ? Buffer.from('/etc/passwd') : (e.data ?? new Uint8Array()),
    );
    const crc = crc32(data);
    const packed = e.deflate ? deflateRawSync(data, { level: 9 }) : data;
    const method = e.deflate ? 8 : 0;
    const size = e.declaredSize ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, packed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    const mode = e.type === 'symlink' ? 0o120777 : e.type === 'directory' ? 0o040755 : 0o100644;
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
