import { beforeAll, describe, expect, it } from 'vitest';
import {
  type FaceRuntime,
  liveTensors,
  loadFaceRuntime,
  loadSsdMobilenet,
} from '../../src/engine/runtime/tfjs-runtime.ts';

/** Deterministic pseudo-random pixel values 0..255 (a linear congruential generator). */
function pixels(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = (state >>> 16) % 256;
  }
  return out;
}

/** The method face-api's class defines, bypassing the lean override installed on the instance. */
function original<T extends object>(net: T, name: string): (...args: unknown[]) => unknown {
  let proto: object | null = Object.getPrototypeOf(net);
  while (proto && !Object.hasOwn(proto, name)) proto = Object.getPrototypeOf(proto);
  const method = proto && (proto as Record<string, unknown>)[name];
  if (typeof method !== 'function') throw new Error(`no ${name} on the class of ${net}`);
  return (...args) => method.apply(net, args);
}

type Readable = { dataSync(): Float32Array | Int32Array | Uint8Array; dispose(): void };

/** The tensor's bits (so that −0 and 0, or two NaNs, count as different and equal as bit patterns do). */
function bits(tensor: Readable): Uint32Array {
  const data = tensor.dataSync();
  const copy = new Uint32Array(new Float32Array(data).buffer);
  tensor.dispose();
  return copy;
}

describe('engine: memory-lean forward passes give face-api’s outputs bit for bit', () => {
  let runtime: FaceRuntime;
  beforeAll(async () => {
    runtime = await loadFaceRuntime();
  });

  for (const size of [160, 416, 608]) {
    it(`Tiny Face Detector at a ${size}-pixel input (strips and eager freeing change nothing)`, async () => {
      const { tf, faceapi } = runtime;
      const net = faceapi.nets.tinyFaceDetector;
      const image = tf.tensor3d(pixels(size * size * 3, size), [size, size, 3], 'float32');
      const input = await faceapi.toNetInput(image);
      const tensorsBefore = liveTensors(runtime);
      const lean = bits(net.forwardInput(input, size));
      expect(liveTensors(runtime)).toBe(tensorsBefore);
      const reference = bits(original(net, 'forwardInput')(input, size) as Readable);
      image.dispose();
      expect(lean.length).toBe(Math.ceil(size / 32) ** 2 * 25);
      expect(lean).toEqual(reference);
    });
  }

  it('SSD MobileNet v1 (boxes and scores)', async () => {
    const { tf, faceapi } = runtime;
    const net = await loadSsdMobilenet(runtime);
    const image = tf.tensor3d(pixels(512 * 512 * 3, 7), [512, 512, 3], 'float32');
    const input = await faceapi.toNetInput(image);
    const tensorsBefore = liveTensors(runtime);
    const lean = net.forwardInput(input);
    expect(liveTensors(runtime)).toBe(tensorsBefore + 2);
    const reference = original(net, 'forwardInput')(input) as { boxes: Readable[]; scores: Readable[] };
    image.dispose();
    expect(lean.boxes).toHaveLength(1);
    expect(bits(lean.boxes[0] as Readable)).toEqual(bits(reference.boxes[0] as Readable));
    expect(bits(lean.scores[0] as Readable)).toEqual(bits(reference.scores[0] as Readable));
  });

  it('the 128-d descriptor network, on several chips', async () => {
    const { tf, faceapi } = runtime;
    const net = faceapi.nets.faceRecognitionNet;
    for (const seed of [1, 2, 3]) {
      const chip = tf.tensor3d(Int32Array.from(pixels(150 * 150 * 3, seed)), [150, 150, 3], 'int32');
      const input = new faceapi.NetInput([chip]);
      const tensorsBefore = liveTensors(runtime);
      const lean = bits(net.forwardInput(input));
      expect(liveTensors(runtime)).toBe(tensorsBefore);
      const reference = bits(original(net, 'forwardInput')(input) as Readable);
      chip.dispose();
      expect(lean.length).toBe(128);
      expect(lean).toEqual(reference);
    }
  });
});
