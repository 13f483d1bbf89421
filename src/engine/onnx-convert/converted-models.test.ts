import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, expect, it } from 'vitest';
import { describeWithFaces, LFW_DEV } from '../../../test/support/shared-faces.ts';
import { loadOnnxModel, type OnnxModel } from '../runtime/onnx-runtime.ts';
import { type FaceRuntime, loadFaceRuntime } from '../runtime/tfjs-runtime.ts';
import { CONVERTED_IO, type ConvertedNetwork, convertNetwork } from './converted-models.ts';

/** A handful of lfw-dev photos: different people, lighting and poses. */
const PHOTOS = [
  'AJ_Cook/AJ_Cook_0001.jpg',
  'Abdullah_Gul/Abdullah_Gul_0001.jpg',
  'Adam_Ant/Adam_Ant_0001.jpg',
];

/** The photo's central face region (lfw-dev photos are 250×250, face in the middle) as `side`² RGB bytes. */
async function faceCrop(photo: string, side: number): Promise<Uint8Array> {
  const { data } = await sharp(path.join(LFW_DEV, photo))
    .extract({ left: 55, top: 55, width: 140, height: 140 })
    .resize(side, side)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

type TfOutput = { data(): Promise<ArrayLike<number>>; dispose(): void };

async function onnxOutput(model: OnnxModel, network: ConvertedNetwork, crop: Uint8Array, side: number) {
  const io = CONVERTED_IO[network];
  const input = new model.ort.Tensor('float32', Float32Array.from(crop), [1, side, side, 3]);
  const outputs = await model.session.run({ [io.input]: input });
  const data = outputs[io.output]?.data as Float32Array;
  input.dispose();
  return data;
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((max, v, i) => Math.max(max, Math.abs(v - (b[i] as number))), 0);
}

describeWithFaces('networks converted to ONNX (npm run models:onnx)', () => {
  let runtime: FaceRuntime;
  const models = {} as Record<ConvertedNetwork, OnnxModel>;

  beforeAll(async () => {
    runtime = await loadFaceRuntime();
    for (const network of ['recognition', 'landmarks'] as const)
      models[network] = await loadOnnxModel(await convertNetwork(runtime, network));
  }, 120_000);

  /** Runs one network on both runtimes for every photo; returns the largest difference seen. */
  async function compare(
    network: ConvertedNetwork,
    side: number,
    tfjs: (input: ReturnType<FaceRuntime['tf']['tensor4d']>) => TfOutput,
  ): Promise<number> {
    let worst = 0;
    for (const photo of PHOTOS) {
      const crop = await faceCrop(photo, side);
      const input = runtime.tf.tensor4d(Float32Array.from(crop), [1, side, side, 3]);
      const result = tfjs(input);
      const expected = Float32Array.from(await result.data());
      result.dispose();
      input.dispose();
      const actual = await onnxOutput(models[network], network, crop, side);
      expect(expected.some((v) => v !== 0)).toBe(true);
      worst = Math.max(worst, maxAbsDifference(actual, expected));
    }
    return worst;
  }

  it('gives face-api descriptors within 1e-4 of tfjs (max abs)', async () => {
    const { faceapi, tf } = runtime;
    const worst = await compare('recognition', 150, (input) =>
      tf.tidy(() => faceapi.nets.faceRecognitionNet.forwardInput(new faceapi.NetInput([input]))),
    );
    expect(worst).toBeLessThan(1e-4);
  });

  it('gives 68-point landmark outputs within 1e-4 of tfjs', async () => {
    const { faceapi, tf } = runtime;
    const worst = await compare('landmarks', 112, (input) =>
      tf.tidy(() => faceapi.nets.faceLandmark68Net.runNet(new faceapi.NetInput([input]))),
    );
    expect(worst).toBeLessThan(1e-4);
  });
});
