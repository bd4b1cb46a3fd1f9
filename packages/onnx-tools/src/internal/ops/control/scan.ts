// Scan: iterate the body over slices of the scan inputs (any axis, either direction), carrying state.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, intsAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { makeTensor, sizeOf } from '../util/dtype.js';
import { transpose } from '../util/layout.js';
import { bodyOf, stack } from '../util/subgraph.js';

async function scanOp(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Promise<(Tensor | undefined)[]> {
  const { body, names } = bodyOf(context, attributes, 'body');
  const scanInputCount = intAttr(attributes, 'num_scan_inputs', 0);
  const stateCount = inputs.length - scanInputCount;
  let state = inputs.slice(0, stateCount) as Tensor[];
  const scans = inputs.slice(stateCount) as Tensor[];
  const inputAxes = intsAttr(attributes, 'scan_input_axes') ?? scans.map(() => 0);
  const inputDirections = intsAttr(attributes, 'scan_input_directions') ?? scans.map(() => 0);
  const scanOutputCount = context.outputCount - stateCount;
  const outputAxes = intsAttr(attributes, 'scan_output_axes') ?? new Array<number>(scanOutputCount).fill(0);
  const outputDirections = intsAttr(attributes, 'scan_output_directions') ?? new Array<number>(scanOutputCount).fill(0);
  // Move each scan axis to the front so iteration t reads one contiguous slice.
  const fronted = scans.map((t, i) => {
    const axis = (inputAxes[i]! + t.dims.length) % t.dims.length;
    const perm = [axis, ...t.dims.map((_, k) => k).filter((k) => k !== axis)];
    return axis === 0 ? t : transpose(t, perm);
  });
  const steps = fronted[0]?.dims[0] ?? 0;
  const collected: Tensor[][] = Array.from({ length: scanOutputCount }, () => []);
  for (let step = 0; step < steps; step++) {
    const feeds = new Map<string, Tensor | undefined>();
    state.forEach((t, i) => feeds.set(names[i]!, t));
    fronted.forEach((t, i) => {
      const t2 = inputDirections[i] === 1 ? steps - 1 - step : step;
      const elementDims = t.dims.slice(1);
      const size = sizeOf(elementDims);
      feeds.set(names[stateCount + i]!, makeTensor(t.type, elementDims, t.data.slice(t2 * size, (t2 + 1) * size) as never));
    });
    const outputs = await context.runGraph(body, feeds);
    state = outputs.slice(0, stateCount) as Tensor[];
    outputs.slice(stateCount).forEach((t, i) => collected[i]!.push(t!));
  }
  const results: Tensor[] = collected.map((list, i) => {
    const ordered = outputDirections[i] === 1 ? [...list].reverse() : list;
    const stacked = stack(ordered, ordered[0]?.dims ?? [], ordered[0]?.type ?? 'float32');
    const axis = (outputAxes[i]! + stacked.dims.length) % stacked.dims.length;
    if (axis === 0) return stacked;
    const perm = stacked.dims.map((_, k) => k).slice(1);
    perm.splice(axis, 0, 0);
    return transpose(stacked, perm);
  });
  return [...state, ...results];
}

export const op = defineOp('Scan', 9, scanOp);
