import { type Value, Variable } from '@kiln/onnx-tools';
import type { LoweredLayer } from './types.js';

/** Axis permutations of the 4-D layout changes (Reformat layers are transposes). */
export const NCHW_TO_NHWC = [0, 2, 3, 1];
export const NHWC_TO_NCHW = [0, 3, 1, 2];

let counter = 0;

/** A new intermediate tensor of the lowered program, named after `base`. */
export function variable(base: string, dtype: string, shape: (number | string | undefined)[]): Variable {
  return new Variable(`${base}__kiln_l${counter++}`, dtype as 'float32', shape);
}

/** A Reformat layer: `input` transposed by `perm` into a new tensor. */
export function transpose(name: string, input: Value, perm: number[], sources: string[]): { layer: LoweredLayer; output: Variable } {
  const shape = input.shape!;
  const output = variable(`${input.name}_${perm.join('')}`, input.dtype!, perm.map((axis) => shape[axis]));
  return { layer: { name, type: 'Reformat', family: 'x_transpose', inputs: [input], outputs: [output], params: perm, sources }, output };
}
