import type { Node, Value } from '@kiln/onnx-tools';
import { floatAttribute, intAttribute, stringAttribute } from '../ir-helpers.js';
import { transpose, variable } from './layout.js';
import type { LoweredLayer } from './types.js';

const DIRECTIONS: Record<string, number> = { forward: 0, reverse: 1, bidirectional: 2 };

/** Whether `activations` is absent or spells ONNX's defaults (per direction) with no alpha/beta. */
function defaultActivations(node: Node, defaults: string[], directions: number): boolean {
  if (node.attributes.has('activation_alpha') || node.attributes.has('activation_beta')) return false;
  const given = node.attributes.get('activations');
  if (given === undefined) return true;
  if (given.type !== 'strings') return false;
  const expected = Array.from({ length: directions }, () => defaults).flat();
  return given.value.length === expected.length && given.value.every((name, i) => name.toLowerCase() === expected[i]!.toLowerCase());
}

const present = (value: Value | undefined): value is Value => value !== undefined;

/**
 * LSTM / GRU (default activations, no input_forget) → one `f32_lstm` / `f32_gru` layer running
 * the whole sequence. Optional inputs and outputs travel as presence flags in the params. With
 * layout 1 (batch first) the batch-first tensors are transposed to layout 0 around the layer.
 */
export function lowerRecurrent(node: Node, sources: string[]): LoweredLayer[] | undefined {
  const lstm = node.op === 'LSTM';
  const [x, w, r, b, lens, h0, c0, p] = node.inputs;
  const direction = DIRECTIONS[stringAttribute(node, 'direction', 'forward')];
  const layout = intAttribute(node, 'layout', 0);
  if (!x || !w || !r || direction === undefined || (layout !== 0 && layout !== 1)) return undefined;
  if (lstm && intAttribute(node, 'input_forget', 0) !== 0) return undefined;
  if (!defaultActivations(node, lstm ? ['Sigmoid', 'Tanh', 'Tanh'] : ['Sigmoid', 'Tanh'], direction === 2 ? 2 : 1)) return undefined;
  const hidden = typeof r.shape?.[2] === 'number' ? r.shape[2] : undefined;
  if (hidden === undefined || intAttribute(node, 'hidden_size', hidden) !== hidden) return undefined;
  const floats = [x, w, r, b, h0, c0, p].filter(present);
  if (!floats.every((value) => value.dtype === 'float32') || (lens && lens.dtype !== 'int32' && lens.dtype !== 'int64')) return undefined;
  const outputs = node.outputs.slice(0, lstm ? 3 : 2);
  if (!outputs.some(present) || !outputs.filter(present).every((value) => value.dtype === 'float32')) return undefined;
  const clip = floatAttribute(node, 'clip', 0);
  const optional = lstm ? [b, lens, h0, c0, p] : [b, lens, h0];
  const flags = [...optional.map((value) => (present(value) ? 1 : 0)), ...outputs.map((value) => (present(value) ? 1 : 0))];
  while (flags.length < (lstm ? 8 : 5)) flags.push(0);
  const name = node.name || `${node.op}_${outputs.find(present)!.name}`;
  const layers: LoweredLayer[] = [];
  // Layout 1: X [batch, seq, I] and states [batch, D, H] in; Y [batch, seq, D, H], states out.
  const toLayout0 = (value: Value, perm: number[]): Value => {
    if (layout === 0 || !value.shape) return value;
    const reformat = transpose(`${name}_${value.name}_layout0`, value, perm, sources);
    layers.push(reformat.layer);
    return reformat.output;
  };
  if (layout === 1 && [x, ...outputs.filter(present), ...[h0, c0].filter(present)].some((value) => !value.shape)) return undefined;
  const inputs = [toLayout0(x, [1, 0, 2]), w, r, ...optional.map((value) => (value && (value === h0 || value === c0) ? toLayout0(value, [1, 0, 2]) : value)).filter(present)];
  const finals: LoweredLayer[] = [];
  const layerOutputs = outputs.filter(present).map((value, k) => {
    if (layout === 0) return value;
    const isY = value === outputs[0];
    const perm = isY ? [1, 2, 0, 3] : [1, 0, 2];
    const inverse = isY ? [2, 0, 1, 3] : [1, 0, 2];
    const inner = variable(`${value.name}_layout0_${k}`, 'float32', perm.map((axis) => value.shape![axis]));
    const back = transpose(`${name}_${value.name}_layout1`, inner, inverse, sources);
    back.layer.outputs = [value];
    finals.push(back.layer);
    return inner;
  });
  layers.push({
    name,
    type: 'RNN',
    family: lstm ? 'f32_lstm' : 'f32_gru',
    inputs,
    outputs: layerOutputs,
    params: lstm ? [direction, hidden, clip, ...flags] : [direction, hidden, clip, intAttribute(node, 'linear_before_reset', 0) ? 1 : 0, ...flags],
    sources,
  });
  return [...layers, ...finals];
}
