// If, Loop and Scan, evaluated through context.runGraph. Subgraph formal inputs are bound by
// name (context.graphInputNames); only tensor-valued loop-carried state is supported.
import type { Tensor } from '../../tensor.js';
import type { Attributes } from '../attribute.js';
import type { OpContext, OpRegistration } from './contract.js';
import { graphAttr, intAttr, intsAttr, requireInput } from './util/attributes.js';
import { defineOp } from './util/define.js';
import { allocate, makeTensor, sizeOf, toNumbers } from './util/dtype.js';
import { evaluateError } from './util/errors.js';
import { concat, transpose } from './movement.js';

function bodyOf(context: OpContext, attributes: Attributes, name: string): { body: unknown; names: readonly string[] } {
  const body = graphAttr(attributes, name);
  if (body === undefined) throw evaluateError(context, `attribute '${name}' (a graph) is required`);
  if (!context.graphInputNames) {
    throw evaluateError(context, 'the evaluator did not provide graphInputNames', { hint: 'evaluate control flow with a driver that implements OpContext.graphInputNames' });
  }
  return { body, names: context.graphInputNames(body) };
}

async function ifOp(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Promise<(Tensor | undefined)[]> {
  const condition = toNumbers(requireInput(context, inputs, 0))[0];
  const branch = graphAttr(attributes, condition ? 'then_branch' : 'else_branch');
  if (branch === undefined) throw evaluateError(context, 'branch graph missing');
  return context.runGraph(branch, new Map());
}

/** Stacks same-shaped tensors along a new leading axis. */
function stack(tensors: readonly Tensor[], elementDims: readonly number[], type: Tensor['type']): Tensor {
  if (tensors.length === 0) return makeTensor(type, [0, ...elementDims], allocate(type, 0));
  const joined = tensors.length === 1 ? tensors[0]! : concatLeading(tensors);
  return { ...joined, dims: [tensors.length, ...tensors[0]!.dims] };
}

function concatLeading(tensors: readonly Tensor[]): Tensor {
  const context = { opType: 'Loop', nodeName: '', opset: 0, outputCount: 1, runGraph: () => [] } as OpContext;
  return concat(context, tensors.map((t) => ({ ...t, dims: [1, ...t.dims] })), 0);
}

async function loopOp(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Promise<(Tensor | undefined)[]> {
  const { body, names } = bodyOf(context, attributes, 'body');
  const maxTrips = inputs[0] ? Number(toNumbers(inputs[0])[0]) : Infinity;
  let condition = inputs[1] ? Boolean(toNumbers(inputs[1])[0]) : true;
  let carried = inputs.slice(2);
  const scanOutputs: Tensor[][] = [];
  let trip = 0;
  while (trip < maxTrips && condition) {
    const feeds = new Map<string, Tensor | undefined>();
    feeds.set(names[0]!, makeTensor('int64', [], BigInt64Array.of(BigInt(trip))));
    feeds.set(names[1]!, makeTensor('bool', [], Uint8Array.of(condition ? 1 : 0)));
    carried.forEach((t, i) => feeds.set(names[i + 2]!, t));
    const outputs = await context.runGraph(body, feeds);
    condition = Boolean(toNumbers(outputs[0]!)[0]);
    carried = outputs.slice(1, 1 + carried.length);
    outputs.slice(1 + carried.length).forEach((t, i) => (scanOutputs[i] ??= []).push(t!));
    trip++;
  }
  const scanCount = context.outputCount - carried.length;
  const stacked: Tensor[] = [];
  for (let i = 0; i < scanCount; i++) {
    const list = scanOutputs[i] ?? [];
    stacked.push(list.length ? stack(list, list[0]!.dims, list[0]!.type) : makeTensor('float32', [0], new Float32Array(0)));
  }
  return [...carried, ...stacked];
}

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

export const ops: OpRegistration[] = [defineOp('If', 1, ifOp), defineOp('Loop', 1, loopOp), defineOp('Scan', 9, scanOp)];
