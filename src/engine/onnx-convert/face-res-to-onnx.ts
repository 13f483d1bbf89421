import { int, ints, OnnxGraph } from './onnx-graph.ts';
import { conv, type Weight } from './onnx-layers.ts';

/** One node of a tfjs graph model's topology (`model.json` → `modelTopology.node`). */
export interface TfGraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { list?: { i?: string[] }; s?: string; b?: boolean }>;
}

/** A value while translating: a constant (weights) or an activation already in the ONNX graph (NCHW when 4-D). */
type Value = { kind: 'const'; weight: Weight } | { kind: 'activation'; name: string };

/** Element-wise ops with broadcasting: the tfjs name and its ONNX name. */
const ELEMENTWISE: Readonly<Record<string, string>> = {
  Add: 'Add',
  AddV2: 'Add',
  Sub: 'Sub',
  Mul: 'Mul',
  Minimum: 'Min',
  Maximum: 'Max',
};

/** NHWC axis → NCHW axis. */
const NCHW_AXIS = [0, 2, 3, 1] as const;

const decodeAttrString = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : '');

/**
 * Translates the part of a tfjs graph model (a MobileNet-style CNN such as Human's FaceRes) that one
 * output depends on into an ONNX graph. The graph's NHWC input is transposed once to NCHW; convolution
 * filters are re-laid out (depthwise ones as grouped convolutions); per-channel constants are shaped
 * `[C, 1, 1]` to broadcast over NCHW; reductions get their axes mapped. Ops outside the list throw,
 * naming the op, rather than translating approximately.
 */
export function tfGraphToOnnx(options: {
  graphName: string;
  nodes: readonly TfGraphNode[];
  weight: (name: string) => Weight | undefined;
  output: string;
  outputName: string;
  outputDims: ReadonlyArray<number | string>;
  inputName: string;
}): OnnxGraph {
  const byName = new Map(options.nodes.map((n) => [n.name, n]));
  const g = new OnnxGraph(options.graphName);
  const done = new Map<string, Value>();

  const activation = (v: Value, node: string): string => {
    if (v.kind !== 'activation') throw new Error(`${node}: expected an activation, got a constant`);
    return v.name;
  };
  const constant = (v: Value, node: string): Weight => {
    if (v.kind !== 'const') throw new Error(`${node}: expected a constant input`);
    return v.weight;
  };
  const broadcastConstant = (w: Weight, hint: string): string => {
    if (w.shape.length === 0) return g.constant(hint, [], w.data);
    if (w.shape.length === 1) return g.constant(hint, [w.shape[0] as number, 1, 1], w.data);
    throw new Error(`${hint}: constant of shape [${w.shape.join(', ')}] in an element-wise op`);
  };

  const translate = (node: TfGraphNode, inputs: Value[]): Value => {
    const attr = node.attr ?? {};
    switch (node.op) {
      case 'Const': {
        const weight = options.weight(node.name);
        if (!weight) throw new Error(`${node.name}: no weights for this constant`);
        return { kind: 'const', weight };
      }
      case 'Placeholder': {
        const x = g.input(options.inputName, ['batch', 224, 224, 3]);
        return { kind: 'activation', name: g.node('Transpose', [x], { perm: ints([0, 3, 1, 2]) }) };
      }
      case 'Conv2D':
      case 'DepthwiseConv2dNative': {
        if (decodeAttrString(attr.data_format?.s) !== 'NHWC')
          throw new Error(`${node.name}: only NHWC convolutions`);
        if ((attr.dilations?.list?.i ?? []).some((d) => d !== '1'))
          throw new Error(`${node.name}: dilated convolution`);
        const strides = (attr.strides?.list?.i ?? ['1', '1', '1', '1']).map(Number);
        if (strides[1] !== strides[2]) throw new Error(`${node.name}: unequal strides`);
        const padding = decodeAttrString(attr.padding?.s);
        if (padding !== 'SAME' && padding !== 'VALID') throw new Error(`${node.name}: padding ${padding}`);
        const spec = {
          filter: constant(inputs[1] as Value, node.name),
          stride: strides[1] as number,
          padding: padding === 'SAME' ? ('same' as const) : ('valid' as const),
          depthwise: node.op === 'DepthwiseConv2dNative',
        };
        return {
          kind: 'activation',
          name: conv(g, activation(inputs[0] as Value, node.name), spec, node.name),
        };
      }
      case 'Relu':
        return { kind: 'activation', name: g.node('Relu', [activation(inputs[0] as Value, node.name)]) };
      case 'Mean': {
        const axes = Array.from(constant(inputs[1] as Value, node.name).data, (a) => NCHW_AXIS[a] as number);
        return {
          kind: 'activation',
          name: g.node('ReduceMean', [activation(inputs[0] as Value, node.name)], {
            axes: ints(axes),
            keepdims: int(attr.keep_dims?.b ? 1 : 0),
          }),
        };
      }
      default: {
        const op = ELEMENTWISE[node.op];
        if (!op) throw new Error(`${node.name}: tfjs op ${node.op} has no ONNX translation here`);
        const names = inputs.map((v, i) =>
          v.kind === 'activation' ? v.name : broadcastConstant(v.weight, `${node.name}_${i}`),
        );
        return { kind: 'activation', name: g.node(op, names) };
      }
    }
  };

  const visit = (name: string, path: ReadonlySet<string>): Value => {
    const key = name.replace(/:0$/, '');
    const known = done.get(key);
    if (known) return known;
    const node = byName.get(key);
    if (!node) throw new Error(`graph has no node ${key}`);
    if (path.has(key)) throw new Error(`graph has a cycle through ${key}`);
    const next = new Set(path).add(key);
    const value = translate(
      node,
      (node.input ?? []).filter((i) => !i.startsWith('^')).map((i) => visit(i, next)),
    );
    done.set(key, value);
    return value;
  };

  const out = visit(options.output, new Set());
  g.node('Identity', [activation(out, options.output)], {}, options.outputName);
  g.output(options.outputName, options.outputDims);
  return g;
}
