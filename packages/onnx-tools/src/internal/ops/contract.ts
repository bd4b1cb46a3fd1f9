import type { Tensor } from '../../tensor.js';
import type { Attributes } from '../attribute.js';

/**
 * What an op implementation sees besides its inputs. The evaluator driver fills it in.
 * `G` is the IR graph type (for If/Loop/Scan bodies).
 */
export interface OpContext<G = unknown> {
  /** Op type, e.g. `Conv`. */
  opType: string;
  /** Node name (for error messages). */
  nodeName: string;
  /** Opset version of the node's domain in force for this node. */
  opset: number;
  /** Number of outputs the node declares (trailing optional outputs may be unused). */
  outputCount: number;
  /** Evaluate a subgraph (If/Loop/Scan bodies) with the given feeds; outer-scope values are visible. */
  runGraph(graph: G, feeds: ReadonlyMap<string, Tensor | undefined>): Promise<(Tensor | undefined)[]> | (Tensor | undefined)[];
  /**
   * Names of a subgraph's formal inputs, in order (If/Loop/Scan bind their feeds by them).
   * Optional for compatibility; the control-flow ops throw ERR_EVALUATE when it is missing.
   */
  graphInputNames?(graph: G): readonly string[];
}

/**
 * One reference op: plain, readable code. `inputs[i]` is `undefined` for an omitted optional
 * input. Returns one entry per declared output (`undefined` for an output it does not produce).
 */
export type OpFunction<G = unknown> = (
  inputs: readonly (Tensor | undefined)[],
  attributes: Attributes<G>,
  context: OpContext<G>,
) => (Tensor | undefined)[] | Promise<(Tensor | undefined)[]>;

/** Registration of one op for a range of opset versions (inclusive). */
export interface OpRegistration<G = unknown> {
  opType: string;
  /** Operator domain: '' (ai.onnx) or e.g. 'ai.onnx.ml', 'com.microsoft'. */
  domain: string;
  sinceVersion: number;
  /** Last opset this implementation covers; `Infinity` when still current. */
  untilVersion: number;
  run: OpFunction<G>;
}
