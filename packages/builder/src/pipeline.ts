import { readFlag } from '@kiln/common';
import { foldConstants } from './passes/cleanup/fold-constants.js';
import { eliminateDeadNodes } from './passes/cleanup/eliminate-dead-nodes.js';
import { inferAllShapes } from './passes/cleanup/infer-shapes.js';
import { removeIdentity } from './passes/cleanup/remove-identity.js';
import { simplifyPow } from './passes/cleanup/simplify-pow.js';
import { foldConvBatchnorm } from './passes/fuse/fold-conv-batchnorm.js';
import { fuseConvBiasAct } from './passes/fuse/fuse-conv-bias-act.js';
import { fuseGelu } from './passes/fuse/fuse-gelu.js';
import { fuseHorizontal } from './passes/fuse/fuse-horizontal.js';
import { fuseLayerNorm } from './passes/fuse/fuse-layernorm.js';
import { fuseMatmulScale } from './passes/fuse/fuse-matmul-scale.js';
import { fuseResidualAdd } from './passes/fuse/fuse-residual-add.js';
import { fuseSoftmax } from './passes/fuse/fuse-softmax.js';
import { lift1d } from './passes/shuffle/lift-1d.js';
import { foldShuffles } from './passes/shuffle/fold-shuffles.js';
import { foldQdq } from './passes/quantize/fold-qdq.js';
import type { Pass, PassContext } from './internal/pass.js';
import { verifyGraph } from './internal/verify.js';

/**
 * THE ordered list of builder passes. `minLevel` is the builder optimization level (0–5) from
 * which a pass runs. Every fusion runs at every level today: levels trade build time for tactic
 * timing breadth (see BuilderConfig), as TensorRT's do.
 */
export const PIPELINE: readonly { pass: Pass; minLevel: number }[] = [
  // Before folding: weight DequantizeLinear nodes still show their int8 values and scales.
  { pass: foldQdq, minLevel: 0 },
  { pass: foldConstants, minLevel: 0 },
  { pass: inferAllShapes, minLevel: 0 },
  { pass: removeIdentity, minLevel: 0 },
  { pass: foldShuffles, minLevel: 0 },
  { pass: eliminateDeadNodes, minLevel: 0 },
  { pass: foldConvBatchnorm, minLevel: 0 },
  { pass: fuseGelu, minLevel: 0 },
  { pass: fuseLayerNorm, minLevel: 0 },
  // After the fusions that read Pow(x, 2) and Pow(x, 3) themselves.
  { pass: simplifyPow, minLevel: 0 },
  { pass: fuseConvBiasAct, minLevel: 0 },
  { pass: fuseResidualAdd, minLevel: 0 },
  // Again: an activation that followed a residual Add is now next to the fused layer.
  { pass: fuseConvBiasAct, minLevel: 0 },
  // After the GEMM epilogues: a bias Add before a classifier's Softmax stays the GEMM's.
  { pass: fuseSoftmax, minLevel: 0 },
  { pass: fuseMatmulScale, minLevel: 0 },
  // After the epilogues are complete: branches must agree on them to share one wider layer.
  { pass: fuseHorizontal, minLevel: 0 },
  // After every fusion: the fused 1-D convolution is what goes 2-D (with the 1-D pools).
  { pass: lift1d, minLevel: 0 },
  { pass: eliminateDeadNodes, minLevel: 0 },
];

/** Run the pipeline over the context's model; with `verify`, check the graph after every pass. */
export async function runPipeline(context: PassContext): Promise<void> {
  const verify = context.options.verify || readFlag('KILN_VERIFY_PASSES');
  for (const { pass, minLevel } of PIPELINE) {
    if (context.options.optimizationLevel < minLevel || disabledPasses().has(pass.name)) continue;
    context.currentPass = pass.name;
    await pass.run(context.model.graph, context);
    if (verify) verifyGraph(context.model.graph, pass.name);
  }
  context.currentPass = '';
}

/** Pass names KILN_DISABLE_PASSES lists (`eliminate-concats`, `read-nchw-inputs`, `keep-bf16-activations` and `decide-bf16-blocks` name lowered-program passes). */
export function disabledPasses(): Set<string> {
  return new Set((readFlag('KILN_DISABLE_PASSES') ?? '').split(',').map((name) => name.trim()).filter((name) => name !== ''));
}
