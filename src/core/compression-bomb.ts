/** Inflating more than this many times the compressed bytes (past the first MiB) is taken for a compression bomb. */
export const MAX_COMPRESSION_RATIO = 200;

const FIRST_MIB = 1024 * 1024;

/** Whether `inflated` bytes out of `compressed` ones look like a compression bomb. */
export function inflatesLikeABomb(compressed: number, inflated: number): boolean {
  return inflated > FIRST_MIB && inflated > compressed * MAX_COMPRESSION_RATIO;
}
