import type { FaceApi, Tf } from '../runtime/tfjs-runtime.ts';
import { consume, type Tensor, type Tensor1D, type Tensor2D, type Tensor4D } from './tensors.ts';

export interface ConvLayerParams {
  conv: { filters: Tensor4D; bias: Tensor1D };
  scale: { weights: Tensor1D; biases: Tensor1D };
}
export interface ResidualParams {
  conv1: ConvLayerParams;
  conv2: ConvLayerParams;
}
/** face-api's ResNet-34 descriptor weights (a port of dlib's face recognition model). */
interface RecognitionParams {
  conv32_down: ConvLayerParams;
  conv32_1: ResidualParams;
  conv32_2: ResidualParams;
  conv32_3: ResidualParams;
  conv64_down: ResidualParams;
  conv64_1: ResidualParams;
  conv64_2: ResidualParams;
  conv64_3: ResidualParams;
  conv128_down: ResidualParams;
  conv128_1: ResidualParams;
  conv128_2: ResidualParams;
  conv256_down: ResidualParams;
  conv256_1: ResidualParams;
  conv256_2: ResidualParams;
  conv256_down_out: ResidualParams;
  fc: Tensor2D;
}

/** face-api's typings of tfjs leave out `mean`; the runtime object has it. */
type TfMean = { mean(x: Tensor, axis: number[]): Tensor };

const MEAN_RGB = [122.782, 117.001, 104.298];

/** Convolution, bias, learned scale and shift, optional ReLU; frees every intermediate but the result. */
function convLayer(
  tf: Tf,
  x: Tensor,
  params: ConvLayerParams,
  stride: 1 | 2,
  relu: boolean,
  padding: 'valid' | 'same' = 'same',
): Tensor4D {
  let out: Tensor = tf.conv2d(x as Tensor4D, params.conv.filters, [stride, stride], padding);
  out = consume(out, (t) => tf.add(t, params.conv.bias));
  out = consume(out, (t) => tf.mul(t, params.scale.weights));
  out = consume(out, (t) => tf.add(t, params.scale.biases));
  return (relu ? consume(out, (t) => tf.relu(t)) : out) as Tensor4D;
}

function residual(tf: Tf, x: Tensor4D, params: ResidualParams): Tensor4D {
  const first = convLayer(tf, x, params.conv1, 1, true);
  const second = consume(first, (t) => convLayer(tf, t, params.conv2, 1, false));
  return consume(
    consume(second, (t) => tf.add(t, x)),
    (t) => tf.relu(t),
  ) as Tensor4D;
}

function residualDown(tf: Tf, x: Tensor4D, params: ResidualParams): Tensor4D {
  const first = convLayer(tf, x, params.conv1, 2, true, 'valid');
  let out = consume(first, (t) => convLayer(tf, t, params.conv2, 1, false));
  let pooled = tf.avgPool(x, 2, 2, 'valid') as Tensor4D;
  const [batch, height, width, channels] = out.shape;
  if (pooled.shape[1] !== height || pooled.shape[2] !== width) {
    const zerosBelow = tf.zeros([batch, 1, width, channels]);
    out = consume(out, (t) => tf.concat([t, zerosBelow], 1) as Tensor4D);
    zerosBelow.dispose();
    const zerosRight = tf.zeros([batch, out.shape[1], 1, channels]);
    out = consume(out, (t) => tf.concat([t, zerosRight], 2) as Tensor4D);
    zerosRight.dispose();
  }
  if (pooled.shape[3] !== out.shape[3]) {
    const zeros = tf.zeros(pooled.shape);
    pooled = consume(pooled, (t) => tf.concat([t, zeros], 3)) as Tensor4D;
    zeros.dispose();
  }
  const sum = tf.add(pooled, out);
  pooled.dispose();
  out.dispose();
  return consume(sum, (t) => tf.relu(t)) as Tensor4D;
}

/**
 * face-api's 128-d descriptor network (`FaceRecognitionNet.forwardInput`), the same operations in
 * the same order, so descriptors are bit-identical, but each residual block's input is freed as soon
 * as its output exists instead of at the end of one `tf.tidy` around the whole network.
 */
export function installLeanRecognitionNet(
  tf: Tf,
  faceapi: FaceApi,
  net: FaceApi['nets']['faceRecognitionNet'],
): void {
  net.forwardInput = (input) => {
    const params = net.params as unknown as RecognitionParams | undefined;
    if (!params) throw new Error('FaceRecognitionNet - load model before inference');
    return tf.tidy(() => {
      const batch = tf.cast(input.toBatchTensor(150, true), 'float32');
      const centred = consume(batch, (t) => faceapi.normalize(t as Tensor4D, MEAN_RGB));
      let out: Tensor4D = consume(centred, (t) => tf.div(t, 255)) as Tensor4D;
      out = consume(out, (t) => convLayer(tf, t, params.conv32_down, 2, true, 'valid'));
      out = consume(out, (t) => tf.maxPool(t as Tensor4D, 3, 2, 'valid'));
      const blocks: Array<[ResidualParams, boolean]> = [
        [params.conv32_1, false],
        [params.conv32_2, false],
        [params.conv32_3, false],
        [params.conv64_down, true],
        [params.conv64_1, false],
        [params.conv64_2, false],
        [params.conv64_3, false],
        [params.conv128_down, true],
        [params.conv128_1, false],
        [params.conv128_2, false],
        [params.conv256_down, true],
        [params.conv256_1, false],
        [params.conv256_2, false],
        [params.conv256_down_out, true],
      ];
      for (const [block, down] of blocks)
        out = consume(out, (t) => (down ? residualDown : residual)(tf, t as Tensor4D, block));
      const pooled = consume(out, (t) => (tf as unknown as TfMean).mean(t, [1, 2]));
      return consume(pooled, (t) => tf.matMul(t as Tensor2D, params.fc)) as Tensor2D;
    });
  };
}
