import type { FaceApi, Tf } from '../runtime/tfjs-runtime.ts';
import { type ConvParams, consume, type Tensor, type Tensor1D, type Tensor4D } from './tensors.ts';

interface SeparableConvParams {
  depthwise_filter: Tensor4D;
  pointwise_filter: Tensor4D;
  bias: Tensor1D;
}
/** face-api's TinyFaceDetector weights: a plain first convolution, then separable ones. */
interface TinyParams {
  conv0: ConvParams;
  conv1: SeparableConvParams;
  conv2: SeparableConvParams;
  conv3: SeparableConvParams;
  conv4: SeparableConvParams;
  conv5: SeparableConvParams;
  conv6?: SeparableConvParams;
  conv7?: SeparableConvParams;
  conv8: ConvParams;
}

/** face-api's leaky ReLU, `x − 0.1x` through ReLU plus `0.1x`, op for op; consumes `x`. */
function leaky(tf: Tf, x: Tensor4D): Tensor4D {
  const alpha = tf.scalar(0.10000000149011612);
  const min = tf.mul(x, alpha);
  alpha.dispose();
  const rectified = consume(
    consume(x, (t) => tf.sub(t, min)),
    (t) => tf.relu(t),
  );
  const out = tf.add(rectified, min) as Tensor4D;
  rectified.dispose();
  min.dispose();
  return out;
}

function conv(tf: Tf, x: Tensor, params: ConvParams, padding: 'valid' | 'same'): Tensor4D {
  return consume(tf.conv2d(x as Tensor4D, params.filters, [1, 1], padding), (t) =>
    tf.add(t, params.bias),
  ) as Tensor4D;
}

/** face-api's separable layer without its padding step: depthwise + pointwise convolution, bias, leaky ReLU. */
function separableValid(tf: Tf, padded: Tensor, params: SeparableConvParams): Tensor4D {
  const convolved = tf.separableConv2d(
    padded as Tensor4D,
    params.depthwise_filter,
    params.pointwise_filter,
    [1, 1],
    'valid',
  );
  return leaky(tf, consume(convolved, (t) => tf.add(t, params.bias)) as Tensor4D);
}

/** face-api's separable layer: zero padding of one pixel, then `separableValid`. */
function separableConv(tf: Tf, x: Tensor, params: SeparableConvParams): Tensor4D {
  return consume(padOne(tf, x), (t) => separableValid(tf, t, params));
}

function padOne(tf: Tf, x: Tensor): Tensor4D {
  return tf.pad(x as Tensor4D, [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]);
}

function maxPool(tf: Tf, stride: 1 | 2): (t: Tensor) => Tensor4D {
  return (t) => tf.maxPool(t as Tensor4D, [2, 2], [stride, stride], 'same');
}

/**
 * Output rows per strip in the two full- and half-resolution layers. Even, so that a 2×2 pooling
 * window never straddles two strips; the last strip takes the odd remainder and its 'same' padding,
 * exactly as the whole map would.
 */
const STRIP_ROWS = 64;

/**
 * A 3×3 'valid' layer followed by 2×2 pooling, computed in horizontal strips of the output (each
 * strip reads its rows plus the two below) and joined again. Every output value is computed from the
 * same inputs by the same kernels, so the result is the whole-map result, but only one strip's
 * activations exist at a time: at a 608-pixel input the first layer's activations alone are 23 MB
 * per tensor, and its leaky ReLU needs three of them at once.
 */
function pooledInStrips(tf: Tf, x: Tensor4D, layer: (rows: Tensor4D) => Tensor4D): Tensor4D {
  const outRows = (x.shape[1] as number) - 2;
  const strips: Tensor4D[] = [];
  for (let top = 0; top < outRows; top += STRIP_ROWS) {
    const rows = Math.min(STRIP_ROWS, outRows - top);
    const slice = tf.slice(x, [0, top, 0, 0], [-1, rows + 2, -1, -1]) as Tensor4D;
    strips.push(
      consume(
        consume(slice, (t) => layer(t as Tensor4D)),
        maxPool(tf, 2),
      ),
    );
  }
  const joined = tf.concat(strips, 1) as Tensor4D;
  for (const strip of strips) strip.dispose();
  return joined;
}

/**
 * The Tiny Face Detector's network (face-api's `runMobilenet` for this model), the same operations
 * on the same values, so the output is bit-identical, but the two largest layers run in strips and
 * each activation is freed as soon as the next layer has consumed it.
 */
export function tinyDetectorForward(tf: Tf, x: Tensor4D, params: TinyParams): Tensor4D {
  let out = pooledInStrips(tf, x, (rows) => leaky(tf, conv(tf, rows, params.conv0, 'valid')));
  for (const layer of [params.conv1, params.conv2]) {
    const padded = consume(out, (t) => padOne(tf, t));
    out = consume(padded, (t) =>
      pooledInStrips(tf, t as Tensor4D, (rows) => separableValid(tf, rows, layer)),
    );
  }
  for (const layer of [params.conv3, params.conv4]) {
    out = consume(out, (t) => separableConv(tf, t, layer));
    out = consume(out, maxPool(tf, 2));
  }
  out = consume(out, (t) => separableConv(tf, t, params.conv5));
  out = consume(out, maxPool(tf, 1));
  for (const layer of [params.conv6, params.conv7])
    if (layer) out = consume(out, (t) => separableConv(tf, t, layer));
  return consume(out, (t) => conv(tf, t, params.conv8, 'valid'));
}

/**
 * Replaces the detector instance's forward pass with the memory-lean one (the class stays
 * untouched): the input's normalisation steps also free their predecessors as they go.
 */
export function installLeanTinyDetector(
  tf: Tf,
  faceapi: FaceApi,
  net: FaceApi['nets']['tinyFaceDetector'],
): void {
  const config = net.config as {
    withSeparableConvs?: boolean;
    isFirstLayerConv2d?: boolean;
    meanRgb?: number[];
  };
  const meanRgb = config.meanRgb;
  if (!config.withSeparableConvs || !config.isFirstLayerConv2d || !meanRgb)
    throw new Error('unexpected Tiny Face Detector configuration: the lean forward pass does not apply');
  net.forwardInput = (input, inputSize) => {
    const params = net.params as unknown as TinyParams | undefined;
    if (!params) throw new Error('TinyYolov2 - load model before inference');
    return tf.tidy(() => {
      const batch = tf.cast(input.toBatchTensor(inputSize, false), 'float32');
      const centred = consume(batch, (t) => faceapi.normalize(t as Tensor4D, meanRgb));
      const scaled = consume(centred, (t) => tf.div(t, 255)) as Tensor4D;
      const out = tinyDetectorForward(tf, scaled, params);
      scaled.dispose();
      return out;
    });
  };
}
