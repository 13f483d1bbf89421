import type { Selectable } from 'kysely';
import type { ErrorInfo } from '../../core/errors.ts';
import type { Box, FaceQuality, Point } from '../../core/face.ts';
import { type ImageStatus, isImageStatus } from '../../core/image-status.ts';
import { decodeTraceCarrier, traceIdOf } from '../../core/trace-context.ts';
import type { EnrolledFace } from '../../ports/enrolment.ts';
import type { FaceRecord, FaceWithEmbedding, ImageRecord, MatchSource } from '../../ports/images.ts';
import type { Person } from '../../ports/people.ts';
import type { FacesTable, ImagesTable } from './schema.ts';

/** Float32Array → bytes (little-endian, as the machine stores it). */
export function embeddingToBytes(embedding: Float32Array): Uint8Array {
  return new Uint8Array(
    embedding.buffer.slice(embedding.byteOffset, embedding.byteOffset + embedding.byteLength),
  );
}

/** Bytes → Float32Array; copies, because driver buffers need not be 4-byte aligned. */
export function bytesToEmbedding(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

function status(value: string): ImageStatus {
  if (!isImageStatus(value)) throw new Error(`unknown image status in database: ${value}`);
  return value;
}

export function toImageRecord(row: Selectable<ImagesTable>): ImageRecord {
  return {
    id: row.id,
    sha256: row.sha256,
    file: row.file,
    importPath: row.import_path,
    size: Number(row.size),
    mediaType: row.media_type,
    status: status(row.status),
    attempts: row.attempts,
    lastError: row.last_error === null ? null : (JSON.parse(row.last_error) as ErrorInfo),
    nextAttemptAt: row.next_attempt_at === null ? null : Number(row.next_attempt_at),
    width: row.width,
    height: row.height,
    requestId: row.request_id,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    processedAt: row.processed_at === null ? null : Number(row.processed_at),
    traceId: traceIdOf(decodeTraceCarrier(row.trace_context)),
  };
}

export function toFaceRecord(
  row: Omit<Selectable<FacesTable>, 'needs_rematch'> & { person_name: string | null },
): FaceWithEmbedding {
  return {
    id: row.id,
    imageId: row.image_id,
    index: row.face_index,
    box: JSON.parse(row.box) as Box,
    landmarks: JSON.parse(row.landmarks) as Point[],
    score: row.score,
    quality: row.quality === null ? null : (JSON.parse(row.quality) as FaceQuality),
    model: `${row.model_name}@${row.model_version}`,
    modelName: row.model_name,
    modelVersion: row.model_version,
    person:
      row.person_id !== null && row.person_name !== null
        ? { id: row.person_id, name: row.person_name }
        : null,
    distance: row.distance,
    matchSource: row.match_source as MatchSource,
    embedding: bytesToEmbedding(row.embedding),
  };
}

/**
 * One page of a keyset-paginated query that fetched `limit + 1` rows newest first: the first `limit`
 * mapped, and the id of the last one as the cursor when there is more.
 */
export function keysetPage<Row, Item extends { id: string }>(
  rows: Row[],
  limit: number,
  map: (row: Row) => Item,
): { items: Item[]; nextCursor: string | null } {
  const items = rows.slice(0, limit).map(map);
  return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
}

export function withoutEmbedding(face: FaceWithEmbedding): FaceRecord {
  const { embedding: _e, modelName: _n, modelVersion: _v, ...rest } = face;
  return rest;
}

export function toPerson(row: {
  id: string;
  name: string;
  created_at: number;
  updated_at: number;
  enrolled: number | null;
}): Person {
  return {
    id: row.id,
    name: row.name,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    enrolledFaces: Number(row.enrolled ?? 0),
  };
}

export function enrolledSource(row: {
  source_image_id: string | null;
  source_face_id: string | null;
}): EnrolledFace['source'] {
  return row.source_image_id && row.source_face_id
    ? { imageId: row.source_image_id, faceId: row.source_face_id }
    : null;
}
