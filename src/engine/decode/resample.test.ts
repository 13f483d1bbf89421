import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { resampleSquare } from './resample.ts';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');

function randomImage(width: number, height: number) {
  const data = new Uint8Array(width * height * 3);
  let seed = 7;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    data[i] = seed % 256;
  }
  return { width, height, data };
}

describe('resampleSquare', () => {
  it("matches face-api's pad-to-square + tf.image.resizeBilinear (tfjs reference CPU kernel)", async () => {
    await tf.setBackend('cpu');
    const image = randomImage(37, 23);
    // face-api for a detector: pad at the right/bottom to 37×37, resize to 16×16.
    const expected = tf.tidy(() => {
      const t = tf.tensor3d(image.data, [23, 37, 3], 'int32').toFloat();
      const padded = tf.pad(t, [
        [0, 14],
        [0, 0],
        [0, 0],
      ]);
      return tf.image.resizeBilinear(padded as import('@tensorflow/tfjs').Tensor3D, [16, 16], false, false);
    });
    const ours = resampleSquare(image, { x: 0, y: 0, width: 37, height: 23 }, 0, 0, 37, 16);
    const reference = (await expected.data()) as Float32Array;
    expected.dispose();
    expect(ours.length).toBe(reference.length);
    for (let i = 0; i < ours.length; i++) expect(ours[i]).toBeCloseTo(reference[i] as number, 3);
  });

  it('reads zeros outside the window (the centred padding of a face crop)', () => {
    const image = { width: 4, height: 2, data: new Uint8Array(24).fill(100) };
    const out = resampleSquare(image, { x: 1, y: 0, width: 2, height: 2 }, 0, 0, 4, 4);
    expect(out[0]).toBe(0); // x = 0 is outside the window
    expect(out[3]).toBe(100); // x = 1 is inside
  });
});
