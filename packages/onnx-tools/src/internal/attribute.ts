import type { Tensor } from '../tensor.js';

/**
 * A node attribute's value, tagged with its ONNX attribute type. Integers are JS numbers
 * (int64 attributes beyond 2^53 lose precision; ONNX uses them only as "to the end" sentinels,
 * which stay larger than any real extent). `G` is the IR's graph type, kept generic so this file
 * has no dependency on the IR.
 */
export type AttributeValue<G = unknown> =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: Tensor }
  | { type: 'graph'; value: G }
  | { type: 'floats'; value: number[] }
  | { type: 'ints'; value: number[] }
  | { type: 'strings'; value: string[] }
  | { type: 'tensors'; value: Tensor[] }
  | { type: 'graphs'; value: G[] }
  | { type: 'type_proto'; value: unknown }
  | { type: 'type_protos'; value: unknown[] };

/** Attributes of one node, by name. */
export type Attributes<G = unknown> = ReadonlyMap<string, AttributeValue<G>>;
