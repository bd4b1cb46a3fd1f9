import { KilnError } from '@kiln/common';
import type { Graph } from '@kiln/onnx-tools';
import type { PlanProfile } from '@kiln/runtime';
import { type OptimizationProfile, checkRange } from '../config.js';

/**
 * Reconcile the model's declared input dims with the optimization profiles:
 * - a dim fixed in the model must equal min=opt=max in every profile;
 * - a symbolic (or unnamed) dim with min=max in every profile becomes that number (a static
 *   engine is faster); otherwise it keeps (or gets) a symbol name, bound at run time;
 * - without any profile, symbolic dims default to 1 (as trtexec does), noted in the log.
 * Returns the plan's profiles (every input, every profile).
 */
export function applyProfiles(graph: Graph, profiles: readonly OptimizationProfile[], note: (line: string) => void): PlanProfile[] {
  const inputs = graph.inputs.filter((input) => !input.isConstant);
  const names = new Set(inputs.map((input) => input.name));
  for (const profile of profiles) {
    for (const name of Object.keys(profile)) {
      if (!names.has(name)) {
        throw new KilnError('ERR_PROFILE', `The optimization profile names "${name}", which is not an input of the model.`, {
          expected: [...names].join(', '),
          found: name,
          hint: 'Check the input names with `kiln inspect --onnx=model.onnx`.',
        });
      }
    }
  }
  const effective: PlanProfile[] = (profiles.length > 0 ? profiles : [{}]).map(() => ({}));
  for (const input of inputs) {
    const declared = input.shape;
    if (declared === undefined) {
      throw new KilnError('ERR_PROFILE', `Input "${input.name}" has no declared rank.`, { hint: `Give its shape with --shapes=${input.name}:1x3x...` });
    }
    const ranges = (profiles.length > 0 ? profiles : [{}]).map((profile, index) => {
      const range = profile[input.name];
      if (range) {
        checkRange(input.name, range);
        if (range.min.length !== declared.length) {
          throw new KilnError('ERR_PROFILE', `Profile ${index} gives input "${input.name}" rank ${range.min.length}.`, {
            expected: `rank ${declared.length} [${declared.map((dim) => dim ?? '?').join(', ')}]`,
            found: `[${range.min.join(', ')}]`,
          });
        }
        return range;
      }
      const fixed = declared.map((dim) => (typeof dim === 'number' ? dim : 1));
      if (declared.some((dim) => typeof dim !== 'number')) note(`Input "${input.name}" has dynamic dims and no profile: building for [${fixed.join(', ')}] (give --shapes or --minShapes/--optShapes/--maxShapes)`);
      return { min: fixed, opt: fixed, max: fixed };
    });
    const dims = declared.map((dim, axis) => {
      const lows = ranges.map((range) => range.min[axis]!);
      const highs = ranges.map((range) => range.max[axis]!);
      const isStatic = lows.every((low, i) => low === highs[i] && low === lows[0]);
      if (typeof dim === 'number') {
        if (!isStatic || lows[0] !== dim) {
          throw new KilnError('ERR_PROFILE', `Dim ${axis} of input "${input.name}" is fixed to ${dim} in the model.`, {
            expected: `${dim} in min, opt and max`,
            found: `min ${lows.join('/')} max ${highs.join('/')}`,
            hint: 'Only dims the model declares dynamic can vary.',
          });
        }
        return dim;
      }
      return isStatic ? lows[0]! : (dim ?? `${input.name}_dim${axis}`);
    });
    input.shape = dims;
    ranges.forEach((range, index) => {
      effective[index]![input.name] = { min: [...range.min], opt: [...range.opt], max: [...range.max] };
    });
  }
  return effective;
}

/** Symbol values at one profile's opt (or max) shapes. */
export function bindProfile(graph: Graph, profile: PlanProfile, which: 'opt' | 'max'): Map<string, number> {
  const symbols = new Map<string, number>();
  for (const input of graph.inputs) {
    const range = profile[input.name];
    input.shape?.forEach((dim, axis) => {
      if (typeof dim === 'string' && range) symbols.set(dim, range[which][axis]!);
    });
  }
  return symbols;
}
