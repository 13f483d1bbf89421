/** Content-addressed storage of photo bytes: the key is the sha256 of the bytes (lower-case hex). */
export interface BlobStore {
  /** Stores `bytes` (idempotent: the same bytes give the same key) and returns their sha256. */
  put(bytes: Uint8Array): Promise<{ sha256: string; size: number }>;
  /** The bytes stored under `sha256`; rejects with AppError `not_found` when missing. */
  get(sha256: string): Promise<Uint8Array>;
  has(sha256: string): Promise<boolean>;
  delete(sha256: string): Promise<void>;
}
