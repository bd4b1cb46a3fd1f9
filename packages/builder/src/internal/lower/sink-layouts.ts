import type { Value } from '@kiln/onnx-tools';
import { NCHW_TO_NHWC, NHWC_TO_NCHW, transpose, variable } from './layout.js';
import type { LoweredLayer } from './types.js';

/**
 * Layout sinking over lowered layers. Convolutions run NHWC between two Reformats; a pooling
 * layer, a global average pooling or a channel Concat whose 4-D inputs all come out of
 * NHWC→NCHW Reformats runs in NHWC on those Reformats' inputs instead, and a single Reformat
 * moves after it. cancelReformats then drops the pairs this leaves back to back, so
 * conv → pool → concat → conv chains (squeezenet's fire modules) stay NHWC end to end.
 */
export function sinkLayouts(layers: readonly LoweredLayer[]): LoweredLayer[] {
  const producer = new Map<Value, LoweredLayer>();
  const result: LoweredLayer[] = [];
  for (const layer of layers) {
    for (const next of sink(layer, producer) ?? [layer]) {
      result.push(next);
      for (const output of next.outputs) producer.set(output, next);
    }
  }
  return result;
}

function nhwcSource(value: Value | undefined, producer: ReadonlyMap<Value, LoweredLayer>): Value | undefined {
  const source = value ? producer.get(value) : undefined;
  if (!source || source.type !== 'Reformat' || !samePerm(source.params, NHWC_TO_NCHW)) return undefined;
  return source.inputs[0];
}

function samePerm(params: readonly (number | string)[] | undefined, perm: readonly number[]): boolean {
  return params !== undefined && params.length === perm.length && perm.every((axis, i) => params[i] === axis);
}

function sink(layer: LoweredLayer, producer: ReadonlyMap<Value, LoweredLayer>): LoweredLayer[] | undefined {
  const y = layer.outputs[0];
  if (layer.outputs.length !== 1 || y?.shape?.length !== 4 || y.dtype !== 'float32') return undefined;
  const nhwcShape = NCHW_TO_NHWC.map((axis) => y.shape![axis]);
  const rebuilt = (patch: Partial<LoweredLayer>): LoweredLayer[] => {
    const yNhwc = variable(`${y.name}_nhwc`, 'float32', nhwcShape);
    // The NHWC layer has no ONNX-layout twin to fall back to: its scalar variant always applies.
    const moved: LoweredLayer = { ...layer, ...patch, outputs: [yNhwc], origin: undefined };
    const back = transpose(`${layer.name}_output_reformat`, yNhwc, NHWC_TO_NCHW, layer.sources).layer;
    back.outputs = [y];
    return [moved, back];
  };
  if (layer.family === 'f32_maxpool2d' || layer.family === 'f32_avgpool2d') {
    const source = nhwcSource(layer.inputs[0], producer);
    return source ? rebuilt({ family: `${layer.family}_nhwc`, inputs: [source] }) : undefined;
  }
  if (layer.family === 'f32_globalavgpool') {
    // Mean over H and W of [N, H, W, C]: the reduce family's vectorized [kept, reduced, kept] case.
    const source = nhwcSource(layer.inputs[0], producer);
    return source ? rebuilt({ type: 'Reduce', family: 'f32_reduce_mean', inputs: [source], params: [1, 2] }) : undefined;
  }
  if (layer.family === 'x_concat' && layer.params?.[0] === 1) {
    const sources = layer.inputs.map((input) => nhwcSource(input, producer));
    if (sources.some((source) => source === undefined)) return undefined;
    return rebuilt({ inputs: sources, params: [3] });
  }
  return undefined;
}
