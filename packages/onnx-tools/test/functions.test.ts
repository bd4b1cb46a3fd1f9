import { describe, expect, it } from 'vitest';
import { GraphBuilder, Graph, Node, Variable, type Tensor, evaluate, load, save } from '../src/index.js';

function withFunction() {
  // local.AddLeaky(a, b; slope) = LeakyRelu(Add(a, b), alpha = slope)
  const body = new Graph('AddLeaky');
  const a = new Variable('a');
  const b = new Variable('b');
  const sum = new Variable('sum');
  const out = new Variable('out');
  body.inputs = [a, b];
  body.nodes = [new Node({ op: 'Add', inputs: [a, b], outputs: [sum] }), new Node({ op: 'LeakyRelu', inputs: [sum], outputs: [out] })];
  body.nodes[1]?.attributeReferences.set('alpha', { ref: 'slope', type: 'float' });
  body.outputs = [out];

  const g = new GraphBuilder('main');
  const x = g.input('x', 'float32', [4]);
  const y = g.layer('AddLeaky', [x, g.floats([-4, -2, 0, 2])], { slope: { type: 'float', value: 0.5 } }, { domain: 'local' });
  g.output(y);
  const model = g.toModel({ opset: 17, opsets: { local: 1 } });
  model.functions.push({
    name: 'AddLeaky', domain: 'local', overload: '', attributeNames: ['slope'], attributeDefaults: new Map(),
    opsetImports: new Map([['', 17]]), graph: body, docString: '', extras: {},
  });
  return model;
}

describe('model-local functions', () => {
  it('are expanded at the call site with attribute references bound, and round-trip', async () => {
    const x: Tensor = { type: 'float32', dims: [4], data: Float32Array.from([1, 1, 1, 1]) };
    const model = await load(save(withFunction()));
    expect(model.functions[0]?.graph.nodes[1]?.attributeReferences.get('alpha')).toEqual({ ref: 'slope', type: 'float' });
    const outputs = await evaluate(model, { x });
    expect(Array.from(Object.values(outputs)[0]?.data as Float32Array)).toEqual([-1.5, -0.5, 1, 3]);
  });
});

describe('subgraphs', () => {
  it('If branches read outer-scope tensors', async () => {
    const g = new GraphBuilder('main');
    const cond = g.input('cond', 'bool', []);
    const x = g.input('x', 'float32', [2]);
    const doubled = g.add(x, x);
    const thenBranch = new GraphBuilder('then', g.graph);
    thenBranch.output(thenBranch.relu(doubled));
    const elseBranch = new GraphBuilder('else', g.graph);
    elseBranch.output(elseBranch.layer('Neg', [doubled]));
    g.output(g.layer('If', [cond], { then_branch: thenBranch.graph, else_branch: elseBranch.graph }));
    const model = await load(save(g.toModel({ opset: 17 })));
    expect(model.graph.nodes[1]?.implicitInputs().map((v) => v.name)).toEqual([doubled.name]);
    const feeds = (c: number) => ({ cond: { type: 'bool', dims: [], data: Uint8Array.of(c) }, x: { type: 'float32', dims: [2], data: Float32Array.of(1, -3) } }) as Record<string, Tensor>;
    expect(Array.from(Object.values(await evaluate(model, feeds(1)))[0]?.data as Float32Array)).toEqual([2, 0]);
    expect(Array.from(Object.values(await evaluate(model, feeds(0)))[0]?.data as Float32Array)).toEqual([-2, 6]);
    // cleanup keeps the Add the branches read
    model.graph.cleanup();
    expect(model.graph.nodes.map((n) => n.op)).toEqual(['Add', 'If']);
  });
});
