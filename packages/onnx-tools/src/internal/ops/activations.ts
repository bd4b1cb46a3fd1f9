// Parameterised activations and clamps: Elu, Selu, Celu, LeakyRelu, ThresholdedRelu,
// HardSigmoid, Gelu, Clip, IsInf, Shrink, Dropout (inference).
import type { Tensor } from '../../tensor.js';
import type { Attributes } from '../attribute.js';
import type { OpContext, OpRegistration } from './contract.js';
import { floatAttr, intAttr, requireInput, scalarInput, stringAttr } from './util/attributes.js';
import { defineOp } from './util/define.js';
import { FLOAT_TYPES, makeTensor, NUMERIC_TYPES } from './util/dtype.js';
import { mapUnary } from './util/elementwise.js';
import { erf } from './unary-math.js';

type Activation = (attributes: Attributes) => (v: number) => number;

const ACTIVATIONS: Record<string, [number, Activation]> = {
  Elu: [6, (a) => { const alpha = floatAttr(a, 'alpha', 1); return (v) => (v >= 0 ? v : alpha * Math.expm1(v)); }],
  Selu: [6, (a) => {
    const alpha = floatAttr(a, 'alpha', 1.6732631921768188);
    const gamma = floatAttr(a, 'gamma', 1.0507010221481323);
    return (v) => gamma * (v > 0 ? v : alpha * Math.expm1(v));
  }],
  Celu: [12, (a) => { const alpha = floatAttr(a, 'alpha', 1); return (v) => Math.max(0, v) + Math.min(0, alpha * Math.expm1(v / alpha)); }],
  LeakyRelu: [6, (a) => { const alpha = floatAttr(a, 'alpha', 0.01); return (v) => (v >= 0 ? v : alpha * v); }],
  ThresholdedRelu: [10, (a) => { const alpha = floatAttr(a, 'alpha', 1); return (v) => (v > alpha ? v : 0); }],
  HardSigmoid: [6, (a) => {
    const alpha = floatAttr(a, 'alpha', 0.2);
    const beta = floatAttr(a, 'beta', 0.5);
    return (v) => Math.max(0, Math.min(1, alpha * v + beta));
  }],
  Gelu: [20, (a) =>
    stringAttr(a, 'approximate', 'none') === 'tanh'
      ? (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))
      : (v) => 0.5 * v * (1 + erf(v / Math.SQRT2))],
  Shrink: [9, (a) => {
    const lambd = floatAttr(a, 'lambd', 0.5);
    const bias = floatAttr(a, 'bias', 0);
    return (v) => (v < -lambd ? v + bias : v > lambd ? v - bias : 0);
  }],
};

function clip(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const low = context.opset >= 11 ? scalarInput(inputs, 1, -Infinity) : floatAttr(attributes, 'min', -Infinity);
  const high = context.opset >= 11 ? scalarInput(inputs, 2, Infinity) : floatAttr(attributes, 'max', Infinity);
  const bigLow = inputs[1] && typeof inputs[1].data[0] === 'bigint' ? (inputs[1].data[0] as bigint) : undefined;
  const bigHigh = inputs[2] && typeof inputs[2].data[0] === 'bigint' ? (inputs[2].data[0] as bigint) : undefined;
  return [
    mapUnary(context, x, NUMERIC_TYPES, (v) => (Number.isNaN(v) ? v : Math.min(high, Math.max(low, v))), (v) => {
      if (bigLow !== undefined && v < bigLow) v = bigLow;
      if (bigHigh !== undefined && v > bigHigh) v = bigHigh;
      return v;
    }),
  ];
}

export const ops: OpRegistration[] = [
  ...Object.entries(ACTIVATIONS).map(([op, [since, make]]) =>
    defineOp(op, since, (inputs, attributes, context) => [mapUnary(context, requireInput(context, inputs, 0), FLOAT_TYPES, make(attributes))]),
  ),
  defineOp('Clip', 6, clip),
  defineOp('IsInf', 10, (inputs, attributes, context) => {
    const negative = intAttr(attributes, 'detect_negative', 1) === 1;
    const positive = intAttr(attributes, 'detect_positive', 1) === 1;
    const fn = (v: number) => ((v === Infinity && positive) || (v === -Infinity && negative) ? 1 : 0);
    return [mapUnary(context, requireInput(context, inputs, 0), [...FLOAT_TYPES, 'float8e4m3fn', 'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz'], fn, undefined, 'bool')];
  }),
  defineOp('Dropout', 1, (inputs, _attributes, context) => {
    const x = requireInput(context, inputs, 0);
    const mask = makeTensor('bool', x.dims, new Uint8Array(x.data.length).fill(1));
    return [x, mask];
  }),
];
