// int8Sensitivity: on a network whose second convolution reads a tensor one per-tensor int8 scale
// serves badly (one channel 500 times larger than the others), the analysis ranks that layer
// first, moves only it out of int8 and reaches the target; an empty feed list is a coded error.
import { MinMaxCalibrator } from '@kiln/calib';
import { save } from '@kiln/onnx-tools';
import { describe, expect, it } from 'vitest';
import { NetworkDefinition, int8Sensitivity } from '../src/index.js';
import { randomFloat } from './helpers.js';

const C = 16;

function network(withArgMax = false): Uint8Array {
  const n = new NetworkDefinition();
  const x = n.addInput('image', 'float32', [1, C, 8, 8]);
  const w1 = randomFloat([C, C, 1, 1], 801, 0.3);
  for (let i = 0; i < C; i++) w1.data[i] = (w1.data[i] as number) * 500;  // output channel 0 of the first conv: 500x
  const first = n.addConvolution(x, { weights: w1 });
  const w2 = randomFloat([C, C, 1, 1], 802, 0.3);
  for (let o = 0; o < C; o++) w2.data[o * C] = (w2.data[o * C] as number) / 500;  // ... weighed back down by the second
  const y = n.addConvolution(first, { weights: w2 });
  n.markOutput(y, 'y');
  if (withArgMax) n.markOutput(n.layer('ArgMax', [y], { axis: { type: 'int', value: 1 } }), 'label');
  return save(n.model);
}

const feeds = Array.from({ length: 4 }, (_, i) => ({ image: randomFloat([1, C, 8, 8], 900 + i) }));
const calibrator = () => ({ calibrator: new MinMaxCalibrator(), loader: feeds });

describe('int8Sensitivity', () => {
  it('ranks the badly served layer first and moves only it out of int8', async () => {
    const lines: string[] = [];
    const found = await int8Sensitivity(network(), { shapes: { image: [1, C, 8, 8] }, calibrator: calibrator(), feeds, log: (line) => lines.push(line) });
    expect(found.layers).toHaveLength(2);
    expect(found.baselineCosine).toBeLessThan(0.99);
    const [worst, other] = found.layers;
    expect(worst!.cosine).toBeGreaterThan(0.995);
    expect(other!.cosine).toBeLessThan(worst!.cosine);
    expect(found.layerPrecisions).toEqual({ [worst!.layer]: 'bf16' });
    expect(found.cosine).toBeGreaterThanOrEqual(0.995);
    // The second convolution (NetworkDefinition names nodes in creation order: conv_1, then the
    // activation-free conv_3), which reads the 500x channel, is the one moved.
    expect(found.layers.map((layer) => layer.layer)).toEqual(['conv_3', 'conv_1']);
    expect(lines.some((line) => line.startsWith('Sensitivity: 2 int8 layers'))).toBe(true);
  });

  it('integer outputs (an int64 ArgMax) are left out of the comparison', async () => {
    const found = await int8Sensitivity(network(true), { shapes: { image: [1, C, 8, 8] }, calibrator: calibrator(), feeds });
    expect(found.layers.map((layer) => layer.layer)).toEqual(['conv_3', 'conv_1']);
    expect(found.cosine).toBeGreaterThanOrEqual(0.995);
  });

  it('an empty feed list is ERR_ARGUMENT', async () => {
    await expect(int8Sensitivity(network(), { shapes: { image: [1, C, 8, 8] }, calibrator: calibrator(), feeds: [] })).rejects.toMatchObject({ code: 'ERR_ARGUMENT' });
  });
});
