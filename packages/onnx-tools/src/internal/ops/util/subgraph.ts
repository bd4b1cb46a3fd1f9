// Helpers of the control-flow ops: the body graph attribute with its input names, and stacking
// per-iteration outputs.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { graphAttr } from './attributes.js';
import { allocate, makeTensor } from './dtype.js';
import { evaluateError } from './errors.js';
import { concat } from './layout.js';

/** The graph attribute `name` and its formal input names. */
export function bodyOf(context: OpContext, attributes: Attributes, name: string): { body: unknown; names: readonly string[] } {
  const body = graphAttr(attributes, name);
  if (body === undefined) throw evaluateError(context, `attribute '${name}' (a graph) is required`);
  if (!context.graphInputNames) {
    throw evaluateError(context, 'the evaluator did not provide graphInputNames', { hint: 'evaluate control flow with a driver that implements OpContext.graphInputNames' });
  }
  return { body, names: context.graphInputNames(body) };
}

/** Stacks same-shaped tensors along a new leading axis. */
export function stack(tensors: readonly Tensor[], elementDims: readonly number[], type: Tensor['type']): Tensor {
  if (tensors.length === 0) return makeTensor(type, [0, ...elementDims], allocate(type, 0));
  const joined = tensors.length === 1 ? tensors[0]! : concatLeading(tensors);
  return { ...joined, dims: [tensors.length, ...tensors[0]!.dims] };
}

function concatLeading(tensors: readonly Tensor[]): Tensor {
  const context = { opType: 'Loop', nodeName: '', opset: 0, outputCount: 1, runGraph: () => [] } as OpContext;
  return concat(context, tensors.map((t) => ({ ...t, dims: [1, ...t.dims] })), 0);
}

