import { inferShapes } from '@kiln/onnx-tools';
import type { Pass } from '../../internal/pass.js';

/** Give every tensor a dtype and (symbolic) shape; later passes and lowering rely on them. */
export const inferAllShapes: Pass = {
  name: 'infer-shapes',
  run(_graph, context) {
    const { warnings } = inferShapes(context.model);
    for (const warning of warnings) context.note(`Shape inference: ${(warning as { message?: string }).message ?? String(warning)}`);
  },
};
