import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/**
 * A minimal writer of ONNX models (the `onnx.ModelProto` protobuf message): just the messages and
 * fields the project's converters need, encoded with @bufbuild/protobuf's wire writer. Field numbers
 * are those of onnx/onnx.proto (IR version 7); ONNX Runtime parses the result, which the converter
 * tests check by running every converted network.
 */

/** The ONNX opset the converted graphs use (Clip and Pad take their bounds as inputs, ReduceMean its axes as an attribute). */
export const OPSET_VERSION = 13;
const IR_VERSION = 7;

const DATA_TYPE = { float: 1, int64: 7 } as const;
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, ints: 7 } as const;

export type OnnxAttribute =
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string };

export const int = (value: number): OnnxAttribute => ({ kind: 'int', value });
export const ints = (value: readonly number[]): OnnxAttribute => ({ kind: 'ints', value });
export const float = (value: number): OnnxAttribute => ({ kind: 'float', value });
export const str = (value: string): OnnxAttribute => ({ kind: 'string', value });

interface Initializer {
  name: string;
  dims: readonly number[];
  data: Float32Array | BigInt64Array;
}

interface GraphNode {
  op: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes: Readonly<Record<string, OnnxAttribute>>;
}

/** A graph input or output: a float tensor whose dimensions are numbers or named (symbolic) sizes. */
interface ValueInfo {
  name: string;
  dims: ReadonlyArray<number | string>;
}

/** Builds one ONNX graph node by node; `toBytes()` gives the serialised model. */
export class OnnxGraph {
  private readonly initializers: Initializer[] = [];
  private readonly nodes: GraphNode[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  /** Declares the graph's float input. */
  input(name: string, dims: ReadonlyArray<number | string>): string {
    this.inputs.push({ name, dims });
    return name;
  }

  /** Declares a value as one of the graph's float outputs. */
  output(name: string, dims: ReadonlyArray<number | string>): void {
    this.outputs.push({ name, dims });
  }

  /** A float32 constant (weights, biases, scalars); returns its name. */
  constant(hint: string, dims: readonly number[], data: Float32Array): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected)
      throw new RangeError(`constant ${hint}: ${data.length} values for dims [${dims.join(', ')}]`);
    const name = this.unique(hint);
    this.initializers.push({ name, dims, data });
    return name;
  }

  /** An int64 constant (shapes, pads, axes). */
  int64Constant(hint: string, values: readonly number[]): string {
    const name = this.unique(hint);
    this.initializers.push({ name, dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  }

  /** Adds a node with one output; returns the output's name. */
  node(
    op: string,
    inputs: readonly string[],
    attributes: Record<string, OnnxAttribute> = {},
    outputName?: string,
  ): string {
    const name = this.unique(op.toLowerCase());
    const output = outputName ?? `${name}:0`;
    this.nodes.push({ op, name, inputs, outputs: [output], attributes });
    return output;
  }

  private unique(hint: string): string {
    this.counter += 1;
    return `${hint}_${this.counter}`;
  }

  /** The serialised `onnx.ModelProto`. */
  toBytes(producer: { name: string; version: string }): Uint8Array {
    const w = new BinaryWriter();
    w.tag(1, WireType.Varint).int64(IR_VERSION);
    w.tag(2, WireType.LengthDelimited).string(producer.name);
    w.tag(3, WireType.LengthDelimited).string(producer.version);
    w.tag(7, WireType.LengthDelimited).fork();
    this.writeGraph(w);
    w.join();
    w.tag(8, WireType.LengthDelimited).fork();
    w.tag(1, WireType.LengthDelimited).string('');
    w.tag(2, WireType.Varint).int64(OPSET_VERSION);
    w.join();
    return w.finish();
  }

  private writeGraph(w: BinaryWriter): void {
    for (const node of this.nodes) {
      w.tag(1, WireType.LengthDelimited).fork();
      writeNode(w, node);
      w.join();
    }
    w.tag(2, WireType.LengthDelimited).string(this.name);
    for (const init of this.initializers) {
      w.tag(5, WireType.LengthDelimited).fork();
      writeTensor(w, init);
      w.join();
    }
    for (const [field, values] of [
      [11, this.inputs],
      [12, this.outputs],
    ] as const) {
      for (const value of values) {
        w.tag(field, WireType.LengthDelimited).fork();
        writeValueInfo(w, value);
        w.join();
      }
    }
  }
}

function writeNode(w: BinaryWriter, node: GraphNode): void {
  for (const input of node.inputs) w.tag(1, WireType.LengthDelimited).string(input);
  for (const output of node.outputs) w.tag(2, WireType.LengthDelimited).string(output);
  w.tag(3, WireType.LengthDelimited).string(node.name);
  w.tag(4, WireType.LengthDelimited).string(node.op);
  for (const [name, attribute] of Object.entries(node.attributes)) {
    w.tag(5, WireType.LengthDelimited).fork();
    w.tag(1, WireType.LengthDelimited).string(name);
    switch (attribute.kind) {
      case 'float':
        w.tag(2, WireType.Bit32).float(attribute.value);
        break;
      case 'int':
        w.tag(3, WireType.Varint).int64(attribute.value);
        break;
      case 'string':
        w.tag(4, WireType.LengthDelimited).bytes(new TextEncoder().encode(attribute.value));
        break;
      case 'ints':
        for (const v of attribute.value) w.tag(8, WireType.Varint).int64(v);
        break;
    }
    w.tag(20, WireType.Varint).int32(ATTRIBUTE_TYPE[attribute.kind]);
    w.join();
  }
}

function writeTensor(w: BinaryWriter, tensor: Initializer): void {
  for (const d of tensor.dims) w.tag(1, WireType.Varint).int64(d);
  w.tag(2, WireType.Varint).int32(tensor.data instanceof Float32Array ? DATA_TYPE.float : DATA_TYPE.int64);
  w.tag(8, WireType.LengthDelimited).string(tensor.name);
  // raw_data is little-endian; copy so a view into a larger buffer writes only its own bytes.
  const raw = new Uint8Array(tensor.data.byteLength);
  const view = new DataView(raw.buffer);
  const { data } = tensor;
  if (data instanceof Float32Array)
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i] as number, true);
  else for (let i = 0; i < data.length; i++) view.setBigInt64(i * 8, data[i] as bigint, true);
  w.tag(9, WireType.LengthDelimited).bytes(raw);
}

function writeValueInfo(w: BinaryWriter, value: ValueInfo): void {
  w.tag(1, WireType.LengthDelimited).string(value.name);
  w.tag(2, WireType.LengthDelimited).fork(); // TypeProto
  w.tag(1, WireType.LengthDelimited).fork(); // TypeProto.Tensor
  w.tag(1, WireType.Varint).int32(DATA_TYPE.float);
  w.tag(2, WireType.LengthDelimited).fork(); // TensorShapeProto
  for (const dim of value.dims) {
    w.tag(1, WireType.LengthDelimited).fork();
    if (typeof dim === 'number') w.tag(1, WireType.Varint).int64(dim);
    else w.tag(2, WireType.LengthDelimited).string(dim);
    w.join();
  }
  w.join();
  w.join();
  w.join();
}
