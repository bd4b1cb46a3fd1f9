// The shared shape of the ai.onnx.preview.training optimizers: inputs R (learning rate), T (update
// count), then `groups` lists of n tensors (X..., G..., and the optimizer's state tensors); the
// outputs are the updated X... and state lists.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext, OpRegistration } from '../contract.js';
import { requireInput, scalarInput } from './attributes.js';
import { defineOp } from './define.js';
import { expectType, FLOAT_TYPES, fromNumbers, toNumbers } from './dtype.js';
import { evaluateError } from './errors.js';

/** One element's update: the current values of every group in, the new values of X and each state out. */
export type ElementUpdate = (values: readonly number[], rate: number, step: number) => number[];

/** Registers an optimizer whose per-element rule `make(attributes)` returns. */
export function optimizerOp(opType: string, groups: number, make: (attributes: Attributes) => ElementUpdate): OpRegistration {
  return defineOp(
    opType,
    1,
    (inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext) => {
      const rate = scalarInput(inputs, 0, 0);
      const step = scalarInput(inputs, 1, 0);
      requireInput(context, inputs, 0);
      const tensors = inputs.slice(2).map((_, i) => requireInput(context, inputs, i + 2));
      if (tensors.length === 0 || tensors.length % groups !== 0) {
        throw evaluateError(context, `needs R, T and ${groups} lists of the same length`, { found: `${tensors.length} tensors after R and T` });
      }
      const n = tensors.length / groups;
      const update = make(attributes);
      const outputs: Tensor[] = new Array(tensors.length - n);
      for (let t = 0; t < n; t++) {
        const group = Array.from({ length: groups }, (_, g) => tensors[g * n + t]!);
        for (const tensor of group) {
          expectType(context, tensor, FLOAT_TYPES);
          if (tensor.data.length !== group[0]!.data.length) throw evaluateError(context, 'X, G and the state tensors must have the same shape', { found: group.map((x) => `[${x.dims.join(', ')}]`).join(', ') });
        }
        const values = group.map((x) => toNumbers(x));
        const results = Array.from({ length: groups - 1 }, () => new Float64Array(values[0]!.length));
        for (let i = 0; i < values[0]!.length; i++) {
          const next = update(values.map((v) => v[i]!), rate, step);
          next.forEach((value, r) => (results[r]![i] = value));
        }
        // Outputs: X_new list, then each state list (the G list has no output).
        results.forEach((result, r) => {
          const source = group[r === 0 ? 0 : r + 1]!;
          outputs[r * n + t] = fromNumbers(source.type, source.dims, result);
        });
      }
      return outputs;
    },
    Infinity,
    'ai.onnx.preview.training',
  );
}
