import type { Attributes } from '../../attribute.js';
import { intAttribute, intsAttribute, sameDim } from '../dims.js';
import type { Dim, ShapeContext, ShapeRule, ValueInfo } from '../types.js';

function graphAttribute(attributes: Attributes, name: string): unknown {
  const attribute = attributes.get(name);
  return attribute?.type === 'graph' ? attribute.value : undefined;
}

function unknownOutputs(context: ShapeContext): ValueInfo[] {
  return Array.from({ length: context.outputCount }, () => ({ type: undefined, dims: undefined }));
}

function runBody(context: ShapeContext, graph: unknown, inputs: ValueInfo[]): ValueInfo[] | undefined {
  if (graph === undefined || context.inferSubgraph === undefined) return undefined;
  const out = context.inferSubgraph(graph, inputs);
  if (out === undefined) context.warn(`${context.opType} '${context.nodeName}': body could not be inferred`);
  return out;
}

/** The shape both branches agree on: equal dims kept, differing dims become fresh symbols. */
function merge(a: ValueInfo | undefined, b: ValueInfo | undefined, context: ShapeContext): ValueInfo {
  const type = a?.type ?? b?.type;
  if (a?.dims === undefined || b?.dims === undefined || a.dims.length !== b.dims.length) return { type, dims: undefined };
  const bDims = b.dims;
  return { type, dims: a.dims.map((d, i) => (sameDim(d, bDims[i] as Dim) ? d : context.freshDim())) };
}

/** If: a condition known at build time picks its branch; otherwise the branches are merged. */
const ifRule: ShapeRule = (_inputs, attributes, context) => {
  const condition = context.valueInput(0)?.[0];
  if (typeof condition === 'number') {
    const taken = runBody(context, graphAttribute(attributes, condition !== 0 ? 'then_branch' : 'else_branch'), []);
    return taken ?? unknownOutputs(context);
  }
  const thenOut = runBody(context, graphAttribute(attributes, 'then_branch'), []);
  const elseOut = runBody(context, graphAttribute(attributes, 'else_branch'), []);
  if (thenOut === undefined && elseOut === undefined) return unknownOutputs(context);
  return Array.from({ length: context.outputCount }, (_, i) => merge(thenOut?.[i] ?? elseOut?.[i], elseOut?.[i] ?? thenOut?.[i], context));
};

/** Loop: carried values keep the body's types; scan outputs gain a leading trip-count dim. */
const loop: ShapeRule = (inputs, attributes, context) => {
  const carried = inputs.slice(2);
  const bodyInputs: ValueInfo[] = [{ type: 'int64', dims: [] }, { type: 'bool', dims: [] }, ...carried.map((c) => ({ type: c?.type, dims: c?.dims }))];
  const body = runBody(context, graphAttribute(attributes, 'body'), bodyInputs);
  if (body === undefined) return unknownOutputs(context);
  const trips: Dim = context.hasInput(0) && !context.hasInput(1) ? (context.valueInput(0)?.[0] ?? context.freshDim()) : context.freshDim();
  return Array.from({ length: context.outputCount }, (_, i) => {
    const out = body[i + 1];
    if (i < carried.length) {
      // A carried value may change shape between iterations: keep only what stays equal.
      return merge(out, carried[i], context);
    }
    return { type: out?.type, dims: out?.dims === undefined ? undefined : [trips, ...out.dims] };
  });
};

/** Scan (opset 9+): state values, then scan outputs stacked along their scan axes. */
const scan: ShapeRule = (inputs, attributes, context) => {
  if (context.opset < 9) return scanWithBatch(inputs, attributes, context);
  const scanCount = intAttribute(attributes, 'num_scan_inputs', 0);
  const stateCount = inputs.length - scanCount;
  const inputAxes = intsAttribute(attributes, 'scan_input_axes') ?? [];
  const outputAxes = intsAttribute(attributes, 'scan_output_axes') ?? [];
  let length: Dim | undefined;
  const bodyInputs: ValueInfo[] = inputs.map((input, i) => {
    if (i < stateCount || input?.dims === undefined) return { type: input?.type, dims: input?.dims };
    const axis = inputAxes[i - stateCount] ?? 0;
    const a = axis < 0 ? axis + input.dims.length : axis;
    length ??= input.dims[a];
    return { type: input.type, dims: input.dims.filter((_, k) => k !== a) };
  });
  const body = runBody(context, graphAttribute(attributes, 'body'), bodyInputs);
  if (body === undefined) return unknownOutputs(context);
  const steps = length ?? context.freshDim();
  return Array.from({ length: context.outputCount }, (_, i) => {
    const out = body[i];
    if (i < stateCount || out?.dims === undefined) return { type: out?.type, dims: out?.dims };
    const raw = outputAxes[i - stateCount] ?? 0;
    const axis = raw < 0 ? raw + out.dims.length + 1 : raw;
    return { type: out.type, dims: [...out.dims.slice(0, axis), steps, ...out.dims.slice(axis)] };
  });
};

/** Scan-8: input 0 is sequence_lens; every other tensor has a leading batch axis, scans run along axis 1. */
const scanWithBatch: ShapeRule = (inputs, attributes, context) => {
  const scanCount = intAttribute(attributes, 'num_scan_inputs', 0);
  const operands = inputs.slice(1);
  const stateCount = operands.length - scanCount;
  const batch = operands.find((o) => o?.dims !== undefined)?.dims?.[0] ?? context.freshDim();
  const steps = operands[stateCount]?.dims?.[1] ?? context.freshDim();
  const bodyInputs = operands.map((o, i) => ({ type: o?.type, dims: o?.dims?.slice(i < stateCount ? 1 : 2) }));
  const body = runBody(context, graphAttribute(attributes, 'body'), bodyInputs);
  if (body === undefined) return unknownOutputs(context);
  return Array.from({ length: context.outputCount }, (_, i) => {
    const out = body[i];
    const dims = out?.dims === undefined ? undefined : i < stateCount ? [batch, ...out.dims] : [batch, steps, ...out.dims];
    return { type: out?.type, dims };
  });
};

export const controlRules: Record<string, ShapeRule> = { If: ifRule, Loop: loop, Scan: scan };
