import type { Tf } from '../runtime/tfjs-runtime.ts';

/** Tensor types as face-api's bundled tfjs declares them (the runtime object is the same tfjs). */
export type Tensor = ReturnType<Tf['tensor']>;
export type Tensor1D = ReturnType<Tf['tensor1d']>;
export type Tensor2D = ReturnType<Tf['tensor2d']>;
export type Tensor4D = ReturnType<Tf['tensor4d']>;

/** A convolution's weights as face-api keeps them. */
export interface ConvParams {
  filters: Tensor4D;
  bias: Tensor1D;
}

/**
 * Applies one step to a tensor this code owns and frees that tensor at once: in a layer chain an
 * input is dead as soon as its output exists. (face-api runs a whole network inside one `tf.tidy`,
 * which keeps every intermediate activation alive until the end, and the WASM heap, which never
 * shrinks, grows to that sum.) Not called `then`: a module exporting `then` makes its namespace
 * a thenable, and `await import()` of it calls that function instead of resolving.
 */
export function consume<T extends Tensor>(owned: Tensor, step: (x: Tensor) => T): T {
  const out = step(owned);
  owned.dispose();
  return out;
}
