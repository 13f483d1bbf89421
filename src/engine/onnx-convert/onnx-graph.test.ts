import { describe, expect, it } from 'vitest';
import { loadOnnxModel, runOnnx } from '../runtime/onnx-runtime.ts';
import { int, ints, OnnxGraph } from './onnx-graph.ts';
import { conv, depthwiseToOihw, hwioToOihw } from './onnx-layers.ts';

describe('OnnxGraph: the ONNX models the converters write', () => {
  it('loads in ONNX Runtime and computes a strided SAME convolution as tfjs does (odd padding at the end)', async () => {
    const g = new OnnxGraph('probe');
    const x = g.input('x', [1, 1, 3, 3]);
    const filter = { shape: [2, 2, 1, 1], data: Float32Array.of(1, 1, 1, 1) };
    const y = conv(g, x, { filter, bias: Float32Array.of(0.5), stride: 2, padding: 'same' }, 'c');
    g.node('ReduceMean', [y], { axes: ints([1]), keepdims: int(1) }, 'y');
    g.output('y', [1, 1, 2, 2]);
    const model = await loadOnnxModel(g.toBytes({ name: 'test', version: '0' }));
    const out = await runOnnx(model, { input: 'x', output: 'y' }, new Float32Array(9).fill(1), [1, 1, 3, 3]);
    // tfjs SAME, stride 2 on 3 pixels: one padding pixel after the last row and column.
    expect(Array.from(out)).toEqual([4.5, 2.5, 2.5, 1.5]);
  });

  it('refuses a constant whose values do not fill its dimensions', () => {
    expect(() => new OnnxGraph('bad').constant('w', [2, 2], new Float32Array(3))).toThrow(RangeError);
  });
});

describe('filter layouts', () => {
  it('moves a tfjs [h, w, in, out] filter to ONNX [out, in, h, w]', () => {
    // h = 1, w = 2, in = 2, out = 3; value = 100·x + 10·in + out
    const data = Float32Array.from([0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112]);
    const { shape, data: out } = hwioToOihw({ shape: [1, 2, 2, 3], data });
    expect(shape).toEqual([3, 2, 1, 2]);
    // out 1, in 0: x = 0, 1 → 1, 101
    expect(Array.from(out.slice(4, 6))).toEqual([1, 101]);
    // out 2, in 1: 12, 112
    expect(Array.from(out.slice(10, 12))).toEqual([12, 112]);
  });

  it('makes a depthwise [h, w, channels, 1] filter a grouped convolution weight [channels, 1, h, w]', () => {
    const data = Float32Array.from([1, 2, 3, 4]); // h = 1, w = 2, channels = 2
    const { shape, data: out } = depthwiseToOihw({ shape: [1, 2, 2, 1], data });
    expect(shape).toEqual([2, 1, 1, 2]);
    expect(Array.from(out)).toEqual([1, 3, 2, 4]);
  });
});
