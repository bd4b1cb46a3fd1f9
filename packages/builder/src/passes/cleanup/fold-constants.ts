import { sanitize } from '@kiln/onnx-tools';
import type { Pass } from '../../internal/pass.js';

/**
 * Polygraphy's `surgeon sanitize --fold-constants`: every subgraph whose inputs are constants
 * (including Shape of statically known tensors) is evaluated with the reference evaluator and
 * replaced by its value, up to a size threshold; then dead nodes go.
 */
export const foldConstants: Pass = {
  name: 'fold-constants',
  async run(_graph, context) {
    const before = context.model.graph.nodes.length;
    context.model = await sanitize(context.model, { foldSizeThreshold: context.options.foldSizeThreshold });
    const after = context.model.graph.nodes.length;
    if (after < before) context.note(`Folded constants: ${before} → ${after} nodes`);
  },
};
