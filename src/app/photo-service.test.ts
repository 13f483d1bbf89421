import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../adapters/blobs-fs/blob-store.fs.ts';
import { MemoryEventBus } from '../adapters/events-memory/event-bus.memory.ts';
import { SharpImageCodec } from '../adapters/images-sharp/image-codec.sharp.ts';
import type { SqlAuditLog } from '../adapters/sql/audit-log.sql.ts';
import { sqlStores } from '../adapters/sql/sql-stores.ts';
import { openSqlite, type SqliteHandle } from '../adapters/sqlite/sqlite-database.ts';
import { AppError } from '../core/errors.ts';
import { LOCAL_OPERATOR } from '../core/principal.ts';
import { systemClock } from '../ports/clock.ts';
import { silentLogger } from '../ports/logger.ts';
import { type PhotoService, photoService } from './photo-service.ts';
import { UPLOAD_REJECTED } from './rejected-uploads.ts';

const upload = (file: string, bytes: Uint8Array) => ({ file, load: async () => bytes });

describe('photoService: the use cases behind /api/images', () => {
  let dir: string;
  let handle: SqliteHandle;
  let audit: SqlAuditLog;
  let photos: PhotoService;
  let png: Uint8Array;
  const notAPhoto = new TextEncoder().encode('plain text, not a photo');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faceflow-photo-service-'));
    handle = await openSqlite(':memory:');
    const { privacy, audit: auditLog, ...stores } = sqlStores(handle.db, systemClock);
    audit = auditLog;
    const decode = async () => {
      throw new AppError('invalid_image', 'not a photo the engine can read');
    };
    photos = photoService({
      stores,
      privacy,
      blobs: new FsBlobStore(join(dir, 'blobs')),
      codec: new SharpImageCodec(decode, 10_000_000),
      events: new MemoryEventBus(),
      clock: systemClock,
      audit,
      log: silentLogger,
      maxUploadBytes: 1024 * 1024,
      importRoots: { configured: [], real: [] },
    });
    const rgb = { width: 8, height: 6, channels: 3 as const, background: { r: 200, g: 10, b: 10 } };
    png = new Uint8Array(await sharp({ create: rgb }).png().toBuffer());
  });

  afterEach(async () => {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rejectedInAudit = async () =>
    (await audit.list({ action: UPLOAD_REJECTED, limit: 10 })).entries.map((e) => e.details.file);

  it('refuses an upload without a file, storing nothing', async () => {
    await expect(photos.ingestFiles([], LOCAL_OPERATOR, 'req-1')).rejects.toMatchObject({
      code: 'invalid_input',
    });
    expect((await photos.list({ limit: 10 })).items).toEqual([]);
  });

  it('stores the good files of an upload, lists the refused ones and records them in the audit log', async () => {
    const result = await photos.ingestFiles(
      [upload('face.png', png), upload('notes.txt', notAPhoto)],
      LOCAL_OPERATOR,
      'req-2',
    );
    expect(result.images).toHaveLength(1);
    expect(result.images[0]).toMatchObject({ file: 'face.png', status: 'pending', duplicate: false });
    expect(result.rejected).toEqual([
      { file: 'notes.txt', error: expect.objectContaining({ code: 'invalid_image' }) },
    ]);
    expect(await rejectedInAudit()).toEqual(['notes.txt']);
  });

  it('answers with the first refusal when nothing at all was stored, and still records it', async () => {
    await expect(
      photos.ingestFiles([upload('notes.txt', notAPhoto)], LOCAL_OPERATOR, 'req-3'),
    ).rejects.toMatchObject({ code: 'invalid_image' });
    expect(await rejectedInAudit()).toEqual(['notes.txt']);
    expect((await photos.list({ limit: 10 })).items).toEqual([]);
  });

  it('reads a stored photo back, and after deletion answers not_found for it', async () => {
    const { images } = await photos.ingestFiles([upload('face.png', png)], LOCAL_OPERATOR, 'req-4');
    const id = images[0]?.id as string;
    expect((await photos.get(id)).file).toBe('face.png');
    const content = await photos.content(id);
    expect(content.mediaType).toBe('image/png');
    expect(Buffer.from(content.bytes).equals(Buffer.from(png))).toBe(true);
    await photos.delete(id, LOCAL_OPERATOR);
    await expect(photos.get(id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(photos.content(id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(photos.delete(id, LOCAL_OPERATOR)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('retries only a failed photo', async () => {
    const { images } = await photos.ingestFiles([upload('face.png', png)], LOCAL_OPERATOR, 'req-5');
    await expect(photos.retry(images[0]?.id as string)).rejects.toMatchObject({ code: 'conflict' });
    await expect(photos.retry('img_missing')).rejects.toMatchObject({ code: 'not_found' });
  });
});
