/** If/Loop/Scan rules with a stubbed subgraph inference. */
import { describe, expect, test } from 'vitest';
import type { AttributeValue } from '../src/internal/attribute.js';
import { type ShapeContext, type ValueInfo, findShapeRule } from '../src/internal/shapes/index.js';

function run(op: string, inputs: ValueInfo[], bodies: Record<string, (inputs: ValueInfo[]) => ValueInfo[]>, outputCount: number, extra: Record<string, AttributeValue> = {}, opset = 21) {
  const attributes = new Map<string, AttributeValue>(Object.entries(extra));
  for (const name of Object.keys(bodies)) attributes.set(name, { type: 'graph', value: name });
  let fresh = 0;
  const context: ShapeContext = {
    opType: op,
    domain: '',
    nodeName: 'c',
    opset,
    outputCount,
    hasInput: (i) => inputs[i]?.type !== undefined || inputs[i]?.dims !== undefined,
    constantInput: () => undefined,
    valueInput: (i) => inputs[i]?.value,
    freshDim: () => `unk__${fresh++}`,
    warn: () => {},
    inferSubgraph: (graph, given) => bodies[graph as string]?.(given),
  };
  return findShapeRule('', op)?.(inputs, attributes, context);
}

describe('control flow', () => {
  test('If merges branches: equal dims kept, different dims fresh', () => {
    const out = run('If', [{ type: 'bool', dims: [] }], {
      then_branch: () => [{ type: 'float32', dims: ['N', 3] }],
      else_branch: () => [{ type: 'float32', dims: ['N', 4] }],
    }, 1);
    expect(out).toEqual([{ type: 'float32', dims: ['N', 'unk__0'] }]);
  });

  test('If with a known condition takes one branch', () => {
    const out = run('If', [{ type: 'bool', dims: [], value: [0] }], {
      then_branch: () => [{ type: 'float32', dims: ['N', 3] }],
      else_branch: () => [{ type: 'float32', dims: ['N', 4] }],
    }, 1);
    expect(out).toEqual([{ type: 'float32', dims: ['N', 4] }]);
  });

  test('Loop: carried values and stacked scan outputs', () => {
    const out = run('Loop', [{ type: 'int64', dims: [], value: [5] }, { type: undefined, dims: undefined }, { type: 'float32', dims: [2] }], {
      body: (given) => [{ type: 'bool', dims: [] }, given[2] as ValueInfo, { type: 'float32', dims: [1] }],
    }, 2);
    expect(out).toEqual([{ type: 'float32', dims: [2] }, { type: 'float32', dims: [5, 1] }]);
  });

  test('Scan (opset 9+): scan inputs lose their scan axis; outputs are stacked', () => {
    const out = run('Scan', [{ type: 'float32', dims: [2] }, { type: 'float32', dims: [7, 2] }], {
      body: (given) => [given[0] as ValueInfo, { type: 'float32', dims: [...(given[1]?.dims ?? [])] }],
    }, 2, { num_scan_inputs: { type: 'int', value: 1 } });
    expect(out).toEqual([{ type: 'float32', dims: [2] }, { type: 'float32', dims: [7, 2] }]);
  });
});
