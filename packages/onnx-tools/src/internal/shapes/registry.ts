import { controlRules } from './rules/control.js';
import { convPoolRules } from './rules/conv-pool.js';
import { elementwiseRules } from './rules/elementwise.js';
import { extraRules } from './rules/extra.js';
import { linalgRules } from './rules/linalg.js';
import { miscRules } from './rules/misc.js';
import { reduceQuantRules } from './rules/reduce-quant.js';
import { shapeOpRules } from './rules/shape-ops.js';
import { sliceGatherRules } from './rules/slice-gather.js';
import { mlRules, previewRules, textSignalRules, trainingRules } from './rules/text-signal.js';
import type { ShapeRule } from './types.js';

/**
 * Shape rules of the ai.onnx domain by op type. One rule covers every opset of its op; rules
 * branch on `context.opset` where the op changed (Split, Squeeze/Unsqueeze, Reduce*, Slice, Pad,
 * Resize, ...).
 */
const ONNX_RULES: ReadonlyMap<string, ShapeRule> = new Map(
  Object.entries({
    ...elementwiseRules,
    ...shapeOpRules,
    ...sliceGatherRules,
    ...convPoolRules,
    ...linalgRules,
    ...reduceQuantRules,
    ...miscRules,
    ...controlRules,
    ...extraRules,
    ...textSignalRules,
  }),
);

/** The ai.onnx.ml ops the reference evaluator implements. */
const ML_RULES: ReadonlyMap<string, ShapeRule> = new Map(Object.entries(mlRules));

/** The ai.onnx.preview.training optimizers. */
const TRAINING_RULES: ReadonlyMap<string, ShapeRule> = new Map(Object.entries(trainingRules));

/** The ai.onnx.preview ops. */
const PREVIEW_RULES: ReadonlyMap<string, ShapeRule> = new Map(Object.entries(previewRules));

/** Contrib ops that onnxruntime-optimized models use, with ai.onnx-like semantics. */
const MICROSOFT_RULES: ReadonlyMap<string, ShapeRule> = new Map(
  ['Gelu', 'FastGelu', 'BiasGelu', 'QuickGelu', 'SkipLayerNormalization', 'SimplifiedLayerNormalization'].flatMap((op) => {
    const rule = ONNX_RULES.get(op) ?? ONNX_RULES.get('Identity');
    return rule === undefined ? [] : [[op, rule] as const];
  }),
);

/** The shape rule for an op, or undefined when Kiln has none. */
export function findShapeRule(domain: string, opType: string): ShapeRule | undefined {
  if (domain === '' || domain === 'ai.onnx') return ONNX_RULES.get(opType);
  if (domain === 'com.microsoft') return MICROSOFT_RULES.get(opType);
  if (domain === 'ai.onnx.ml') return ML_RULES.get(opType);
  if (domain === 'ai.onnx.preview.training') return TRAINING_RULES.get(opType);
  if (domain === 'ai.onnx.preview') return PREVIEW_RULES.get(opType);
  return undefined;
}

/** Op types of the ai.onnx domain that have a rule. */
export function supportedShapeOps(): string[] {
  return [...ONNX_RULES.keys()].sort();
}
