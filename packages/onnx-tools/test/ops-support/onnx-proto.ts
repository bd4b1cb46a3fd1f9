// Test-only reader for the handful of ONNX protobuf messages the op node-test runner needs
// (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto's kind).
import type { Tensor, TensorType } from '../../src/tensor.js';
import type { AttributeValue } from '../../src/internal/attribute.js';
import { allocate, sizeOf, typeFromOnnx } from '../../src/internal/ops/util/dtype.js';

export interface TestNode {
  opType: string;
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, AttributeValue<TestGraph>>;
}

export interface TestGraph {
  nodes: TestNode[];
  initializers: Map<string, Tensor>;
  inputs: { name: string; isTensor: boolean }[];
  outputs: { name: string; isTensor: boolean }[];
}

export interface TestModel {
  graph: TestGraph;
  opsets: Map<string, number>;
  hasFunctions: boolean;
}

const utf8 = new TextDecoder();

class Reader {
  pos: number;
  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.length) {
    this.pos = start;
  }
  more(): boolean {
    return this.pos < this.end;
  }
  varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
  }
  varint64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asIntN(64, result);
      shift += 7n;
    }
  }
  bytes(): Uint8Array {
    const n = this.varint();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  sub(): Reader {
    const n = this.varint();
    const r = new Reader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
  float32(): number {
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }
  float64(): number {
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) {
      const n = this.varint();
      this.pos += n;
    }
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  /** Repeated varint field, packed or not. */
  repeatedVarint64(wire: number, into: bigint[]): void {
    if (wire === 2) {
      const r = this.sub();
      while (r.more()) into.push(r.varint64());
    } else into.push(this.varint64());
  }
  repeatedFloat(wire: number, into: number[]): void {
    if (wire === 2) {
      const r = this.sub();
      while (r.more()) into.push(r.float32());
    } else into.push(this.float32());
  }
  repeatedDouble(wire: number, into: number[]): void {
    if (wire === 2) {
      const r = this.sub();
      while (r.more()) into.push(r.float64());
    } else into.push(this.float64());
  }
}

function fields(r: Reader, visit: (field: number, wire: number) => void): void {
  while (r.more()) {
    const tag = r.varint();
    const before = r.pos;
    visit(tag >>> 3, tag & 7);
    if (r.pos === before) r.skip(tag & 7);
  }
}

export function decodeTensor(bytes: Uint8Array): Tensor {
  return readTensor(new Reader(bytes));
}

function readTensor(r: Reader): Tensor {
  const dims: number[] = [];
  let dataType = 0;
  const floats: number[] = [];
  const doubles: number[] = [];
  const ints: bigint[] = [];
  const int64s: bigint[] = [];
  const uint64s: bigint[] = [];
  const strings: Uint8Array[] = [];
  let raw: Uint8Array | undefined;
  fields(r, (field, wire) => {
    if (field === 1) {
      const d: bigint[] = [];
      r.repeatedVarint64(wire, d);
      dims.push(...d.map(Number));
    } else if (field === 2) dataType = r.varint();
    else if (field === 4) r.repeatedFloat(wire, floats);
    else if (field === 5) r.repeatedVarint64(wire, ints);
    else if (field === 6) strings.push(r.bytes());
    else if (field === 7) r.repeatedVarint64(wire, int64s);
    else if (field === 9) raw = r.bytes();
    else if (field === 10) r.repeatedDouble(wire, doubles);
    else if (field === 11) r.repeatedVarint64(wire, uint64s);
  });
  const type = typeFromOnnx(dataType);
  if (!type) throw new Error(`unsupported tensor data_type ${dataType}`);
  const count = sizeOf(dims);
  if (type === 'string') return { type, dims, data: strings.map((s) => utf8.decode(s)) };
  const data = allocate(type, count);
  // 4-bit and 2-bit types pack 2 or 4 elements per byte, low bits first.
  const bits = type === 'int4' || type === 'uint4' || type === 'float4e2m1' ? 4 : type === 'int2' || type === 'uint2' ? 2 : 0;
  if (bits > 0) {
    const packed = raw ?? Uint8Array.from(ints.map(Number));
    const out = data as Int8Array | Uint8Array;
    const signed = type === 'int4' || type === 'int2';
    for (let i = 0; i < count; i++) {
      const value = (packed[Math.floor((i * bits) / 8)]! >> ((i * bits) % 8)) & ((1 << bits) - 1);
      out[i] = signed && value >= 1 << (bits - 1) ? value - (1 << bits) : value;
    }
    return { type, dims, data: out };
  }
  const target = data as unknown as { buffer: ArrayBuffer; byteLength: number; length: number; [i: number]: number | bigint };
  if (raw) {
    new Uint8Array(target.buffer).set(raw.subarray(0, target.byteLength));
  } else if (type === 'float32' || type === 'complex64') floats.forEach((v, i) => (target[i] = v));
  else if (type === 'float64' || type === 'complex128') doubles.forEach((v, i) => (target[i] = v));
  else if (type === 'int64') int64s.forEach((v, i) => (target[i] = v));
  else if (type === 'uint64') uint64s.forEach((v, i) => (target[i] = BigInt.asUintN(64, v)));
  else if (type === 'uint32') uint64s.length ? uint64s.forEach((v, i) => (target[i] = Number(v))) : ints.forEach((v, i) => (target[i] = Number(v)));
  else ints.forEach((v, i) => (target[i] = Number(v)));
  return { type, dims, data } as Tensor;
}

function readAttribute(r: Reader): [string, AttributeValue<TestGraph>] {
  let name = '';
  let type = 0;
  let f = 0;
  let i = 0;
  let s: Uint8Array = new Uint8Array();
  let t: Tensor | undefined;
  let g: TestGraph | undefined;
  const floatsList: number[] = [];
  const intsList: bigint[] = [];
  const stringsList: string[] = [];
  const tensorsList: Tensor[] = [];
  const graphsList: TestGraph[] = [];
  fields(r, (field, wire) => {
    if (field === 1) name = utf8.decode(r.bytes());
    else if (field === 2) f = r.float32();
    else if (field === 3) i = Number(r.varint64());
    else if (field === 4) s = r.bytes();
    else if (field === 5) t = readTensor(r.sub());
    else if (field === 6) g = readGraph(r.sub());
    else if (field === 7) r.repeatedFloat(wire, floatsList);
    else if (field === 8) r.repeatedVarint64(wire, intsList);
    else if (field === 9) stringsList.push(utf8.decode(r.bytes()));
    else if (field === 10) tensorsList.push(readTensor(r.sub()));
    else if (field === 11) graphsList.push(readGraph(r.sub()));
    else if (field === 20) type = r.varint();
  });
  const byType: Record<number, AttributeValue<TestGraph>> = {
    1: { type: 'float', value: f },
    2: { type: 'int', value: i },
    3: { type: 'string', value: utf8.decode(s) },
    4: { type: 'tensor', value: t! },
    5: { type: 'graph', value: g! },
    6: { type: 'floats', value: floatsList },
    7: { type: 'ints', value: intsList.map(Number) },
    8: { type: 'strings', value: stringsList },
    9: { type: 'tensors', value: tensorsList },
    10: { type: 'graphs', value: graphsList },
  };
  const value = byType[type] ?? { type: 'type_proto', value: undefined };
  return [name, value];
}

function readNode(r: Reader): TestNode {
  const node: TestNode = { opType: '', domain: '', name: '', inputs: [], outputs: [], attributes: new Map() };
  fields(r, (field) => {
    if (field === 1) node.inputs.push(utf8.decode(r.bytes()));
    else if (field === 2) node.outputs.push(utf8.decode(r.bytes()));
    else if (field === 3) node.name = utf8.decode(r.bytes());
    else if (field === 4) node.opType = utf8.decode(r.bytes());
    else if (field === 5) {
      const [name, value] = readAttribute(r.sub());
      node.attributes.set(name, value);
    } else if (field === 7) node.domain = utf8.decode(r.bytes());
  });
  return node;
}

function readValueInfo(r: Reader): { name: string; isTensor: boolean } {
  let name = '';
  let isTensor = true;
  fields(r, (field) => {
    if (field === 1) name = utf8.decode(r.bytes());
    else if (field === 2) {
      const typeReader = r.sub();
      fields(typeReader, (typeField) => {
        if (typeField !== 1 && typeField !== 6) isTensor = false;
      });
    }
  });
  return { name, isTensor };
}

function readGraph(r: Reader): TestGraph {
  const graph: TestGraph = { nodes: [], initializers: new Map(), inputs: [], outputs: [] };
  fields(r, (field) => {
    if (field === 1) graph.nodes.push(readNode(r.sub()));
    else if (field === 5) {
      const bytes = r.bytes();
      const name = tensorName(bytes);
      graph.initializers.set(name, decodeTensor(bytes));
    } else if (field === 11) graph.inputs.push(readValueInfo(r.sub()));
    else if (field === 12) graph.outputs.push(readValueInfo(r.sub()));
  });
  return graph;
}

function tensorName(bytes: Uint8Array): string {
  let name = '';
  const r = new Reader(bytes);
  fields(r, (field) => {
    if (field === 8) name = utf8.decode(r.bytes());
  });
  return name;
}

export function decodeModel(bytes: Uint8Array): TestModel {
  const model: TestModel = { graph: { nodes: [], initializers: new Map(), inputs: [], outputs: [] }, opsets: new Map(), hasFunctions: false };
  const r = new Reader(bytes);
  fields(r, (field) => {
    if (field === 7) model.graph = readGraph(r.sub());
    else if (field === 8) {
      const o = r.sub();
      let domain = '';
      let version = 0;
      fields(o, (f) => {
        if (f === 1) domain = utf8.decode(o.bytes());
        else if (f === 2) version = o.varint();
      });
      model.opsets.set(domain === 'ai.onnx' ? '' : domain, version);
    } else if (field === 25) model.hasFunctions = true;
  });
  return model;
}

export type { TensorType };
