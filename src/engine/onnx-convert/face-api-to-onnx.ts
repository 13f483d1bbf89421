import type { ConvLayerParams, ResidualParams } from '../lean/face-recognition-net.ts';
import type { FaceApi } from '../runtime/tfjs-runtime.ts';
import { int, ints, OnnxGraph } from './onnx-graph.ts';
import { conv, faceApiInput, outputSide, type Weight } from './onnx-layers.ts';

/** A tfjs tensor as far as the converter reads it. */
interface TensorLike {
  shape: number[];
  dataSync(): ArrayLike<number>;
}

function weight(t: TensorLike): Weight {
  return { shape: [...t.shape], data: Float32Array.from(t.dataSync()) };
}

function values(t: TensorLike): Float32Array {
  return Float32Array.from(t.dataSync());
}

/** Names of the recognition network's residual blocks in order, and whether each halves the resolution. */
const RESIDUAL_BLOCKS: ReadonlyArray<[string, boolean]> = [
  ['conv32_1', false],
  ['conv32_2', false],
  ['conv32_3', false],
  ['conv64_down', true],
  ['conv64_1', false],
  ['conv64_2', false],
  ['conv64_3', false],
  ['conv128_down', true],
  ['conv128_1', false],
  ['conv128_2', false],
  ['conv256_down', true],
  ['conv256_1', false],
  ['conv256_2', false],
  ['conv256_down_out', true],
];

/** The input side of face-api's descriptor network. */
export const RECOGNITION_INPUT = 150;
/** The input side of face-api's 68-point landmark network. */
export const LANDMARK_INPUT = 112;

/** An activation being built, with its NCHW channel count and spatial side. */
interface Activation {
  name: string;
  channels: number;
  side: number;
}

/**
 * face-api's conv + learned scale/shift layer (conv → +bias → ×scale → +shift), folded into one Conv:
 * weight·scale and bias·scale + shift, per output channel.
 */
function scaledConv(
  g: OnnxGraph,
  x: Activation,
  params: ConvLayerParams,
  stride: 1 | 2,
  padding: 'same' | 'valid',
  relu: boolean,
  hint: string,
): Activation {
  const filter = weight(params.conv.filters);
  const [kh, kw, cin, cout] = filter.shape as [number, number, number, number];
  const scale = values(params.scale.weights);
  const shift = values(params.scale.biases);
  const bias = values(params.conv.bias);
  const folded = new Float32Array(filter.data.length);
  for (let i = 0; i < folded.length; i++)
    folded[i] = (filter.data[i] as number) * (scale[i % cout] as number);
  const foldedBias = bias.map((b, k) => b * (scale[k] as number) + (shift[k] as number));
  const out = conv(
    g,
    x.name,
    { filter: { shape: [kh, kw, cin, cout], data: folded }, bias: foldedBias, stride, padding },
    hint,
  );
  return {
    name: relu ? g.node('Relu', [out]) : out,
    channels: cout,
    side: outputSide(x.side, kh, stride, padding),
  };
}

function residual(g: OnnxGraph, x: Activation, params: ResidualParams, hint: string): Activation {
  const first = scaledConv(g, x, params.conv1, 1, 'same', true, `${hint}_conv1`);
  const second = scaledConv(g, first, params.conv2, 1, 'same', false, `${hint}_conv2`);
  return { ...second, name: g.node('Relu', [g.node('Add', [second.name, x.name])]) };
}

/**
 * A down-sampling residual block as face-api computes it: a strided 'valid' branch, zero-padded at
 * the bottom and right when it comes out one pixel smaller than the 2×2 average-pooled shortcut,
 * and the shortcut zero-padded with extra channels when the branch has more.
 */
function residualDown(g: OnnxGraph, x: Activation, params: ResidualParams, hint: string): Activation {
  const first = scaledConv(g, x, params.conv1, 2, 'valid', true, `${hint}_conv1`);
  let branch = scaledConv(g, first, params.conv2, 1, 'same', false, `${hint}_conv2`);
  let shortcut: Activation = {
    name: g.node('AveragePool', [x.name], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }),
    channels: x.channels,
    side: outputSide(x.side, 2, 2, 'valid'),
  };
  if (shortcut.side !== branch.side) {
    const grow = shortcut.side - branch.side;
    const pads = g.int64Constant(`${hint}_pads`, [0, 0, 0, 0, 0, 0, grow, grow]);
    branch = { ...branch, name: g.node('Pad', [branch.name, pads]), side: shortcut.side };
  }
  if (shortcut.channels !== branch.channels) {
    const extra = branch.channels - shortcut.channels;
    const pads = g.int64Constant(`${hint}_channel_pads`, [0, 0, 0, 0, 0, extra, 0, 0]);
    shortcut = { ...shortcut, name: g.node('Pad', [shortcut.name, pads]), channels: branch.channels };
  }
  return { ...branch, name: g.node('Relu', [g.node('Add', [shortcut.name, branch.name])]) };
}

/**
 * face-api's 128-d descriptor network (`FaceRecognitionNet`, a ResNet-34 port of dlib's model) as an
 * ONNX graph: input `chips` `[batch, 150, 150, 3]` RGB 0–255 (NHWC, as tfjs takes it), output
 * `descriptor` `[batch, 128]` (not normalised, as face-api returns it).
 */
export function recognitionNetToOnnx(net: FaceApi['nets']['faceRecognitionNet']): OnnxGraph {
  const params = net.params as unknown as Record<string, unknown> & { fc: TensorLike };
  if (!params) throw new Error('face recognition net: weights not loaded');
  const g = new OnnxGraph('face_api_recognition');
  let x: Activation = {
    name: faceApiInput(g, 'chips', RECOGNITION_INPUT),
    channels: 3,
    side: RECOGNITION_INPUT,
  };
  x = scaledConv(g, x, params.conv32_down as ConvLayerParams, 2, 'valid', true, 'conv32_down');
  x = {
    ...x,
    name: g.node('MaxPool', [x.name], { kernel_shape: ints([3, 3]), strides: ints([2, 2]) }),
    side: outputSide(x.side, 3, 2, 'valid'),
  };
  for (const [block, down] of RESIDUAL_BLOCKS)
    x = (down ? residualDown : residual)(g, x, params[block] as ResidualParams, block);
  const pooled = g.node('ReduceMean', [x.name], { axes: ints([2, 3]), keepdims: int(0) });
  const fc = weight(params.fc);
  g.node('MatMul', [pooled, g.constant('fc', fc.shape, fc.data)], {}, 'descriptor');
  g.output('descriptor', ['batch', fc.shape[1] as number]);
  return g;
}

interface SeparableConvParams {
  depthwise_filter: TensorLike;
  pointwise_filter: TensorLike;
  bias: TensorLike;
}
interface DenseBlockParams {
  conv0: SeparableConvParams | { filters: TensorLike; bias: TensorLike };
  conv1: SeparableConvParams;
  conv2: SeparableConvParams;
  conv3: SeparableConvParams;
}

/** tfjs's separableConv2d ('same') plus bias: a depthwise Conv, then a 1×1 Conv carrying the bias. */
function separableConv(
  g: OnnxGraph,
  x: string,
  params: SeparableConvParams,
  stride: number,
  hint: string,
): string {
  const depthwise = conv(
    g,
    x,
    { filter: weight(params.depthwise_filter), stride, padding: 'same', depthwise: true },
    `${hint}_dw`,
  );
  return conv(
    g,
    depthwise,
    { filter: weight(params.pointwise_filter), bias: values(params.bias), stride: 1, padding: 'same' },
    `${hint}_pw`,
  );
}

/** face-api's denseBlock4: four convolutions, each fed the ReLU of the sum of all earlier outputs. */
function denseBlock(g: OnnxGraph, x: string, params: DenseBlockParams, first: boolean, hint: string): string {
  const conv0 = params.conv0;
  const out1 = g.node('Relu', [
    first && 'filters' in conv0
      ? conv(
          g,
          x,
          { filter: weight(conv0.filters), bias: values(conv0.bias), stride: 2, padding: 'same' },
          `${hint}_conv0`,
        )
      : separableConv(g, x, conv0 as SeparableConvParams, 2, `${hint}_conv0`),
  ]);
  const out2 = separableConv(g, out1, params.conv1, 1, `${hint}_conv1`);
  const in3 = g.node('Relu', [g.node('Add', [out1, out2])]);
  const out3 = separableConv(g, in3, params.conv2, 1, `${hint}_conv2`);
  const in4 = g.node('Relu', [g.node('Add', [out1, g.node('Add', [out2, out3])])]);
  const out4 = separableConv(g, in4, params.conv3, 1, `${hint}_conv3`);
  return g.node('Relu', [g.node('Add', [out1, g.node('Add', [out2, g.node('Add', [out3, out4])])])]);
}

/**
 * face-api's 68-point landmark network (`FaceLandmark68Net`: four dense blocks, 7×7 average pooling,
 * a fully connected layer) as an ONNX graph: input `faces` `[batch, 112, 112, 3]` RGB 0–255, output
 * `landmarks` `[batch, 136]`, x and y of each point interleaved, relative to the input's side.
 */
export function landmarkNetToOnnx(net: FaceApi['nets']['faceLandmark68Net']): OnnxGraph {
  const extractor = net.faceFeatureExtractor.params as unknown as
    | Record<string, DenseBlockParams>
    | undefined;
  const fc = (net.params as unknown as { fc: { weights: TensorLike; bias: TensorLike } } | undefined)?.fc;
  if (!extractor || !fc) throw new Error('landmark net: weights not loaded');
  const g = new OnnxGraph('face_api_landmark68');
  let x = faceApiInput(g, 'faces', LANDMARK_INPUT);
  for (const [i, block] of ['dense0', 'dense1', 'dense2', 'dense3'].entries())
    x = denseBlock(g, x, extractor[block] as DenseBlockParams, i === 0, block);
  const pooled = g.node('AveragePool', [x], { kernel_shape: ints([7, 7]), strides: ints([2, 2]) });
  const flat = g.node('Flatten', [pooled], { axis: int(1) });
  const w = weight(fc.weights);
  const product = g.node('MatMul', [flat, g.constant('fc_w', w.shape, w.data)]);
  g.node('Add', [product, g.constant('fc_b', [w.shape[1] as number], values(fc.bias))], {}, 'landmarks');
  g.output('landmarks', ['batch', w.shape[1] as number]);
  return g;
}
