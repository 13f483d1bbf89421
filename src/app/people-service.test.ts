import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { faceAlong, ScriptedEngine } from '../../test/helpers/scripted-engine.ts';
import { FsBlobStore } from '../adapters/blobs-fs/blob-store.fs.ts';
import { MemoryEventBus } from '../adapters/events-memory/event-bus.memory.ts';
import { SharpImageCodec } from '../adapters/images-sharp/image-codec.sharp.ts';
import { sqlStores } from '../adapters/sql/sql-stores.ts';
import { openSqlite, type SqliteHandle } from '../adapters/sqlite/sqlite-database.ts';
import { LOCAL_OPERATOR } from '../core/principal.ts';
import { systemClock } from '../ports/clock.ts';
import type { ImageCodec } from '../ports/image-decoder.ts';
import { silentLogger } from '../ports/logger.ts';
import { type PeopleService, peopleService } from './people-service.ts';

describe('peopleService: enrolment from an upload and the enrolled faces', () => {
  let dir: string;
  let handle: SqliteHandle;
  let photo: Uint8Array;
  const warnings: string[] = [];
  const log = { ...silentLogger, warn: (_obj: object, msg?: string) => void warnings.push(msg ?? '') };

  const service = (codec: ImageCodec): PeopleService => {
    const { privacy, audit, ...stores } = sqlStores(handle.db, systemClock);
    return peopleService({
      stores,
      privacy,
      blobs: new FsBlobStore(join(dir, 'blobs')),
      engine: new ScriptedEngine(() => [faceAlong(0)]),
      codec,
      events: new MemoryEventBus(),
      clock: systemClock,
      audit,
      log,
    });
  };
  /** The real codec, decoding with sharp instead of the engine's decoder. */
  const sharpCodec = () =>
    new SharpImageCodec(async (bytes) => {
      const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data) };
    }, 10_000_000);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faceflow-people-service-'));
    handle = await openSqlite(':memory:');
    warnings.length = 0;
    const gray = { width: 100, height: 100, channels: 3 as const, background: { r: 90, g: 90, b: 90 } };
    photo = new Uint8Array(await sharp({ create: gray }).png().toBuffer());
  });

  afterEach(async () => {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an upload for a person who does not exist before reading its bytes', async () => {
    let reads = 0;
    const read = async () => {
      reads++;
      return photo;
    };
    await expect(
      service(sharpCodec()).enrollUpload('per_missing', read, LOCAL_OPERATOR, 'req-1'),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect(reads).toBe(0);
  });

  it('enrols the face of an upload and keeps a JPEG of it for the person page', async () => {
    const people = service(sharpCodec());
    const person = await people.create('Ada', LOCAL_OPERATOR);
    const enrolled = await people.enrollUpload(person.id, async () => photo, LOCAL_OPERATOR, 'req-2');
    expect(enrolled.person.id).toBe(person.id);
    const faces = await people.enrolledFaces(person.id);
    expect(faces.map((f) => f.id)).toEqual([enrolled.enrolledId]);
    const jpeg = await people.enrolledThumbnail(person.id, enrolled.enrolledId, 150);
    expect((await sharp(jpeg).metadata()).format).toBe('jpeg');
    expect(warnings).toEqual([]);
  });

  it('keeps the enrolment when no thumbnail could be cut, and says there is no picture of it', async () => {
    const real = sharpCodec();
    const broken: ImageCodec = {
      inspect: (bytes) => real.inspect(bytes),
      decode: (bytes) => real.decode(bytes),
      preview: (bytes, size) => real.preview(bytes, size),
      faceThumbnail: async () => {
        throw new Error('thumbnail encoder failed');
      },
    };
    const people = service(broken);
    const person = await people.create('Grace', LOCAL_OPERATOR);
    const enrolled = await people.enrollUpload(person.id, async () => photo, LOCAL_OPERATOR, 'req-3');
    expect(await people.enrolledFaces(person.id)).toHaveLength(1);
    expect(warnings).toEqual(['no thumbnail kept for an enrolled face']);
    await expect(people.enrolledThumbnail(person.id, enrolled.enrolledId, 150)).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('answers not_found for the enrolled faces of nobody and for a face the person does not have', async () => {
    const people = service(sharpCodec());
    await expect(people.enrolledFaces('per_missing')).rejects.toMatchObject({ code: 'not_found' });
    const person = await people.create('Alan', LOCAL_OPERATOR);
    await expect(people.enrolledThumbnail(person.id, 'enr_missing', 150)).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
