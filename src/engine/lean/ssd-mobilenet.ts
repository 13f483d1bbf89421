import type { FaceApi, Tf } from '../runtime/tfjs-runtime.ts';
import {
  type ConvParams,
  consume,
  type Tensor,
  type Tensor1D,
  type Tensor2D,
  type Tensor4D,
} from './tensors.ts';

interface PointwiseConvParams {
  filters: Tensor4D;
  batch_norm_offset: Tensor1D;
}
interface DepthwiseConvParams {
  filters: Tensor4D;
  batch_norm_scale: Tensor1D;
  batch_norm_offset: Tensor1D;
  batch_norm_mean: Tensor1D;
  batch_norm_variance: Tensor1D;
}
interface ConvPairParams {
  depthwise_conv: DepthwiseConvParams;
  pointwise_conv: PointwiseConvParams;
}
interface BoxPredictorParams {
  box_encoding_predictor: ConvParams;
  class_predictor: ConvParams;
}
/** face-api's SSD MobileNet v1 weights. */
interface SsdParams {
  mobilenetv1: { conv_0: PointwiseConvParams } & Record<`conv_${number}`, ConvPairParams>;
  prediction_layer: Record<`conv_${0 | 1 | 2 | 3 | 4 | 5 | 6 | 7}`, PointwiseConvParams> &
    Record<`box_predictor_${0 | 1 | 2 | 3 | 4 | 5}`, BoxPredictorParams>;
  output_layer: { extra_dim: Tensor };
}

const BATCH_NORM_EPSILON = 0.0010000000474974513;
const STRIDE_TWO_LAYERS = new Set([2, 4, 6, 12]);

function pointwise(tf: Tf, x: Tensor, params: PointwiseConvParams, stride: 1 | 2): Tensor4D {
  const convolved = tf.conv2d(x as Tensor4D, params.filters, [stride, stride], 'same');
  const shifted = consume(convolved, (t) => tf.add(t, params.batch_norm_offset));
  return consume(shifted, (t) => tf.clipByValue(t, 0, 6)) as Tensor4D;
}

function depthwise(tf: Tf, x: Tensor, params: DepthwiseConvParams, stride: 1 | 2): Tensor4D {
  const convolved = tf.depthwiseConv2d(x as Tensor4D, params.filters, [stride, stride], 'same');
  const normalised = consume(convolved, (t) =>
    tf.batchNorm(
      t as Tensor4D,
      params.batch_norm_mean,
      params.batch_norm_variance,
      params.batch_norm_offset,
      params.batch_norm_scale,
      BATCH_NORM_EPSILON,
    ),
  );
  return consume(normalised, (t) => tf.clipByValue(t, 0, 6)) as Tensor4D;
}

/** MobileNet v1 features: the last layer's output and layer 11's (kept for the first box predictor). */
function mobileNet(
  tf: Tf,
  x: Tensor4D,
  params: SsdParams['mobilenetv1'],
): { out: Tensor4D; conv11: Tensor4D } {
  let out = pointwise(tf, x, params.conv_0, 2);
  let conv11: Tensor4D | null = null;
  for (let layer = 1; layer <= 13; layer++) {
    const pair = params[`conv_${layer}`] as ConvPairParams;
    const stride = STRIDE_TWO_LAYERS.has(layer) ? 2 : 1;
    const input: Tensor4D = out;
    out = depthwise(tf, input, pair.depthwise_conv, stride);
    if (input !== conv11) input.dispose();
    out = consume(out, (t) => pointwise(tf, t, pair.pointwise_conv, 1));
    if (layer === 11) conv11 = out;
  }
  if (!conv11) throw new Error('SSD MobileNet: no output from layer 11');
  return { out, conv11 };
}

function boxPrediction(tf: Tf, x: Tensor4D, params: BoxPredictorParams): { boxes: Tensor; classes: Tensor } {
  const batch = x.shape[0];
  const conv = (p: ConvParams) => tf.add(tf.conv2d(x, p.filters, [1, 1], 'same'), p.bias);
  return {
    boxes: tf.reshape(conv(params.box_encoding_predictor), [batch, -1, 1, 4]),
    classes: tf.reshape(conv(params.class_predictor), [batch, -1, 3]),
  };
}

/** Anchors and box encodings to corner boxes (face-api's output layer, op for op). */
function decodeBoxes(tf: Tf, anchors: Tensor2D, encodings: Tensor2D): Tensor2D {
  const a = tf.unstack(tf.transpose(anchors, [1, 0]));
  const sizes = [tf.sub(a[2] as Tensor, a[0] as Tensor), tf.sub(a[3] as Tensor, a[1] as Tensor)];
  const centres = [
    tf.add(a[0] as Tensor, tf.div(sizes[0] as Tensor, 2)),
    tf.add(a[1] as Tensor, tf.div(sizes[1] as Tensor, 2)),
  ];
  const e = tf.unstack(tf.transpose(encodings, [1, 0]));
  const halfWidth = tf.div(tf.mul(tf.exp(tf.div(e[2] as Tensor, 5)), sizes[0] as Tensor), 2);
  const centreX = tf.add(tf.mul(tf.div(e[0] as Tensor, 10), sizes[0] as Tensor), centres[0] as Tensor);
  const halfHeight = tf.div(tf.mul(tf.exp(tf.div(e[3] as Tensor, 5)), sizes[1] as Tensor), 2);
  const centreY = tf.add(tf.mul(tf.div(e[1] as Tensor, 10), sizes[1] as Tensor), centres[1] as Tensor);
  return tf.transpose(
    tf.stack([
      tf.sub(centreX, halfWidth),
      tf.sub(centreY, halfHeight),
      tf.add(centreX, halfWidth),
      tf.add(centreY, halfHeight),
    ]),
    [1, 0],
  ) as Tensor2D;
}

/** The prediction heads and box decoding; they work on 32×32 and smaller maps, so they stay in one tidy. */
function heads(
  tf: Tf,
  features: { out: Tensor4D; conv11: Tensor4D },
  params: SsdParams,
): { boxes: Tensor2D[]; scores: Tensor1D[] } {
  return tf.tidy(() => {
    const p = params.prediction_layer;
    const c0 = pointwise(tf, features.out, p.conv_0, 1);
    const c1 = pointwise(tf, c0, p.conv_1, 2);
    const c2 = pointwise(tf, c1, p.conv_2, 1);
    const c3 = pointwise(tf, c2, p.conv_3, 2);
    const c4 = pointwise(tf, c3, p.conv_4, 1);
    const c5 = pointwise(tf, c4, p.conv_5, 2);
    const c6 = pointwise(tf, c5, p.conv_6, 1);
    const c7 = pointwise(tf, c6, p.conv_7, 2);
    const predictions = [
      boxPrediction(tf, features.conv11, p.box_predictor_0),
      boxPrediction(tf, features.out, p.box_predictor_1),
      boxPrediction(tf, c1, p.box_predictor_2),
      boxPrediction(tf, c3, p.box_predictor_3),
      boxPrediction(tf, c5, p.box_predictor_4),
      boxPrediction(tf, c7, p.box_predictor_5),
    ];
    const boxPredictions = tf.concat(
      predictions.map((b) => b.boxes),
      1,
    );
    const classPredictions = tf.concat(
      predictions.map((b) => b.classes),
      1,
    );
    const batch = boxPredictions.shape[0] as number;
    const anchors = tf.reshape(tf.tile(params.output_layer.extra_dim, [batch, 1, 1]), [-1, 4]) as Tensor2D;
    const decoded = decodeBoxes(tf, anchors, tf.reshape(boxPredictions, [-1, 4]) as Tensor2D);
    const boxes = tf.reshape(decoded, [batch, (decoded.shape[0] as number) / batch, 4]);
    const scoresAndClasses = tf.sigmoid(tf.slice(classPredictions, [0, 0, 1], [-1, -1, -1]));
    const firstClass = tf.slice(scoresAndClasses, [0, 0, 0], [-1, -1, 1]);
    const scores = tf.reshape(firstClass, [batch, firstClass.shape[1] as number]);
    return { boxes: tf.unstack(boxes) as Tensor2D[], scores: tf.unstack(scores) as Tensor1D[] };
  });
}

/**
 * SSD MobileNet v1 (face-api's `forwardInput` for this model), the same operations in the same
 * order, so the output is bit-identical, but the backbone frees each activation as soon as the next
 * layer has consumed it, instead of keeping all of them in one `tf.tidy` until the end.
 */
export function installLeanSsdMobilenet(tf: Tf, net: FaceApi['nets']['ssdMobilenetv1']): void {
  net.forwardInput = (input) => {
    const params = net.params as unknown as SsdParams | undefined;
    if (!params) throw new Error('SsdMobilenetv1 - load model before inference');
    // The tidy only sweeps up what toBatchTensor leaves behind; the backbone frees its own activations.
    return tf.tidy(() => {
      const batch = tf.cast(input.toBatchTensor(512, false), 'float32');
      const scaled = consume(batch, (t) => tf.div(t, 127.5));
      const x = consume(scaled, (t) => tf.sub(t, 1)) as Tensor4D;
      const features = mobileNet(tf, x, params.mobilenetv1);
      x.dispose();
      return heads(tf, features, params);
    });
  };
}
