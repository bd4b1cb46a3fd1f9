// Scan: iterate the body over slices of the scan inputs (any axis, either direction), carrying state.
// Opset 8's form (a leading batch axis on every state and scan tensor, optional sequence_lens, a
// `directions` attribute) runs the same loop once per batch entry.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, intsAttr, readInts } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { makeTensor, sizeOf } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';
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

/** One batch entry of a tensor whose first axis is the batch, optionally cut to `length` along axis 1. */
function entry(t: Tensor, b: number, length?: number): Tensor {
  const inner = sizeOf(t.dims.slice(1));
  let dims = t.dims.slice(1);
  let data = t.data.slice(b * inner, (b + 1) * inner) as Tensor['data'];
  if (length !== undefined && length < dims[0]!) {
    data = data.slice(0, length * sizeOf(dims.slice(1))) as Tensor['data'];
    dims = [length, ...dims.slice(1)];
  }
  return makeTensor(t.type, dims, data as never);
}

async function scan8(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Promise<(Tensor | undefined)[]> {
  const lengths = inputs[0] ? readInts(inputs[0]) : undefined;
  const rest = inputs.slice(1) as Tensor[];
  const batch = rest[0]?.dims[0] ?? 0;
  const perEntry = new Map(attributes);
  const directions = intsAttr(attributes, 'directions');
  if (directions) perEntry.set('scan_input_directions', { type: 'ints', value: directions });
  const scanInputCount = intAttr(attributes, 'num_scan_inputs', 0);
  const stateCount = rest.length - scanInputCount;
  const results: Tensor[][] = [];
  for (let b = 0; b < batch; b++) {
    const sliced = rest.map((t, i) => entry(t, b, i >= stateCount ? lengths?.[b] : undefined));
    results.push((await scanOp(sliced, perEntry, context)) as Tensor[]);
  }
  return results[0]!.map((first, i) => {
    const items = results.map((r) => r[i]!);
    if (items.some((t) => t.dims.join() !== first.dims.join())) {
      throw evaluateError(context, 'scan outputs of different lengths cannot be batched', { hint: 'give every batch entry the same sequence length' });
    }
    return stack(items, first.dims, first.type);
  });
}

export const op = defineOp('Scan', 8, (inputs, attributes, context) => (context.opset < 9 ? scan8(inputs, attributes, context) : scanOp(inputs, attributes, context)));
