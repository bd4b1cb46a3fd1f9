import { buildEngine } from '@kiln/builder';
import { seededRandom } from '@kiln/common';
import { GraphBuilder, save } from '@kiln/onnx-tools';

/**
 * An ONNX model whose engine has several hundred layers: `blocks` residual blocks of
 * Conv3x3+Relu, a parallel Conv1x1 of another width, their sum, and a MaxPool, on an 8×8 map.
 */
export function towerModel(blocks: number, seed = 7): Uint8Array {
  const next = seededRandom(seed);
  const weights = (dims: number[]) => Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => (next() - 0.5) * 0.2);
  const g = new GraphBuilder('tower');
  let x = g.input('x', 'float32', [1, 8, 8, 8]);
  for (let block = 0; block < blocks; block++) {
    const a = g.layer('Relu', [g.layer('Conv', [x, g.floats(weights([8, 8, 3, 3]), [8, 8, 3, 3]), g.floats(weights([8]))], { pads: [1, 1, 1, 1] })]);
    const b = g.layer('Conv', [x, g.floats(weights([8, 8, 1, 1]), [8, 8, 1, 1])]);
    const sum = g.layer('Add', [a, b]);
    x = g.layer('MaxPool', [sum], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] });
  }
  g.output(x);
  return save(g.toModel({ opset: 17 }));
}

/** The tower's plan, built by heuristic (no tactic timing) so it is quick. */
export async function towerPlan(blocks: number): Promise<Uint8Array> {
  return buildEngine(towerModel(blocks), { builderOptimizationLevel: 0 });
}
