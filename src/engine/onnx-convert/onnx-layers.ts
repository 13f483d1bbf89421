import { ints, type OnnxGraph, str } from './onnx-graph.ts';

/** A weight tensor as tfjs holds it (face-api's params, a graph model's constants): shape and float values. */
export interface Weight {
  shape: readonly number[];
  data: Float32Array;
}

/** tfjs's `[height, width, in, out]` convolution filter as ONNX's `[out, in, height, width]` (OIHW). */
export function hwioToOihw(filter: Weight): Weight {
  const [h, w, i, o] = filter.shape as [number, number, number, number];
  const out = new Float32Array(filter.data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < i; c++)
        for (let k = 0; k < o; k++)
          out[((k * i + c) * h + y) * w + x] = filter.data[((y * w + x) * i + c) * o + k] as number;
  return { shape: [o, i, h, w], data: out };
}

/**
 * tfjs's depthwise filter `[height, width, channels, multiplier]` as the weight of an ONNX Conv with
 * `group = channels` (`[channels·multiplier, 1, height, width]`, output channel c·multiplier + m).
 */
export function depthwiseToOihw(filter: Weight): Weight {
  const [h, w, c, m] = filter.shape as [number, number, number, number];
  return hwioToOihw({ shape: [h, w, 1, c * m], data: filter.data });
}

export type Padding = 'same' | 'valid';

export interface ConvSpec {
  /** tfjs filter: `[h, w, in, out]`, or `[h, w, channels, multiplier]` when `depthwise`. */
  filter: Weight;
  bias?: Float32Array;
  stride: number;
  padding: Padding;
  depthwise?: boolean;
}

/**
 * An ONNX Conv (NCHW) computing tfjs's conv2d / depthwiseConv2d. tfjs's 'same' padding puts the odd
 * pixel of padding at the bottom and right, which is ONNX's SAME_UPPER.
 */
export function conv(g: OnnxGraph, x: string, spec: ConvSpec, hint: string): string {
  const weight = spec.depthwise ? depthwiseToOihw(spec.filter) : hwioToOihw(spec.filter);
  const [outChannels, , kh, kw] = weight.shape as [number, number, number, number];
  const inputs = [x, g.constant(`${hint}_w`, weight.shape, weight.data)];
  if (spec.bias) inputs.push(g.constant(`${hint}_b`, [outChannels], spec.bias));
  return g.node('Conv', inputs, {
    kernel_shape: ints([kh, kw]),
    strides: ints([spec.stride, spec.stride]),
    auto_pad: str(spec.padding === 'same' ? 'SAME_UPPER' : 'VALID'),
    group: { kind: 'int', value: spec.depthwise ? (spec.filter.shape[2] as number) : 1 },
  });
}

/** Side of a convolution's or pooling's output for an input side, as tfjs computes it. */
export function outputSide(side: number, kernel: number, stride: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(side / stride) : Math.floor((side - kernel) / stride) + 1;
}

/**
 * The input stage shared by face-api's networks: an NHWC batch of RGB values 0–255, minus face-api's
 * mean RGB, divided by 255, transposed to NCHW for the convolutions that follow.
 */
export function faceApiInput(g: OnnxGraph, name: string, side: number): string {
  const x = g.input(name, ['batch', side, side, 3]);
  const centred = g.node('Sub', [
    x,
    g.constant('mean_rgb', [3], Float32Array.from([122.782, 117.001, 104.298])),
  ]);
  const scaled = g.node('Div', [centred, g.constant('scale', [], Float32Array.of(255))]);
  return g.node('Transpose', [scaled], { perm: ints([0, 3, 1, 2]) });
}

/** Values of a per-channel vector shaped `[C, 1, 1]`, so it broadcasts over an NCHW activation. */
export function channelVector(g: OnnxGraph, hint: string, values: Float32Array): string {
  return g.constant(hint, [values.length, 1, 1], values);
}
