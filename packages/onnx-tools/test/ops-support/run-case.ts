// Test-only: evaluates an ONNX node-test case through the reference ops and compares outputs
// with the ONNX backend-test rules (rtol 1e-3, atol 1e-7 for floats; exact otherwise).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '../../src/tensor.js';
import type { OpContext } from '../../src/internal/ops/contract.js';
import { findOp } from '../../src/internal/ops/registry.js';
import { toNumbers } from '../../src/internal/ops/util/dtype.js';
import { decodeModel, decodeTensor, type TestGraph } from './onnx-proto.js';

export interface CaseResult {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  message?: string;
}

type Scope = { values: Map<string, Tensor | undefined>; parent?: Scope };

function lookup(scope: Scope | undefined, name: string): Tensor | undefined {
  for (let s = scope; s; s = s.parent) if (s.values.has(name)) return s.values.get(name);
  return undefined;
}

export async function runGraph(
  graph: TestGraph,
  feeds: ReadonlyMap<string, Tensor | undefined>,
  opsets: Map<string, number>,
  parent?: Scope,
): Promise<(Tensor | undefined)[]> {
  const scope: Scope = { values: new Map(graph.initializers), parent };
  for (const [name, value] of feeds) scope.values.set(name, value);
  for (const node of graph.nodes) {
    const opset = opsets.get(node.domain) ?? 1;
    const registration = findOp(node.domain, node.opType, opset);
    if (!registration) throw new Error(`no reference op for ${node.domain || 'ai.onnx'}::${node.opType} opset ${opset}`);
    const inputs = node.inputs.map((name) => (name === '' ? undefined : lookup(scope, name)));
    const context: OpContext<TestGraph> = {
      opType: node.opType,
      nodeName: node.name || node.outputs[0] || node.opType,
      opset,
      outputCount: node.outputs.length,
      runGraph: (body, bodyFeeds) => runGraph(body, bodyFeeds, opsets, scope),
      graphInputNames: (body) => body.inputs.map((i) => i.name),
    };
    const outputs = await registration.run(inputs, node.attributes, context as OpContext);
    node.outputs.forEach((name, i) => {
      if (name !== '') scope.values.set(name, outputs[i]);
    });
  }
  return graph.outputs.map((o) => lookup(scope, o.name));
}

function describeShape(dims: readonly number[]): string {
  return `[${dims.join(',')}]`;
}

/** Undefined when equal; else a message saying where and by how much. */
export function compareTensors(actual: Tensor | undefined, expected: Tensor, label: string): string | undefined {
  if (!actual) return `${label}: missing`;
  if (actual.type !== expected.type) return `${label}: dtype ${actual.type}, expected ${expected.type}`;
  if (describeShape(actual.dims) !== describeShape(expected.dims)) {
    return `${label}: shape ${describeShape(actual.dims)}, expected ${describeShape(expected.dims)}`;
  }
  const type = expected.type;
  if (type === 'string' || type === 'int64' || type === 'uint64') {
    const a = actual.data as ArrayLike<unknown>;
    const e = expected.data as ArrayLike<unknown>;
    for (let i = 0; i < e.length; i++) if (a[i] !== e[i]) return `${label}: element ${i} is ${String(a[i])}, expected ${String(e[i])}`;
    return undefined;
  }
  const isFloat = type.startsWith('float') || type === 'bfloat16' || type.startsWith('complex');
  const a = type.startsWith('complex') ? (actual.data as Float32Array) : toNumbers(actual);
  const e = type.startsWith('complex') ? (expected.data as Float32Array) : toNumbers(expected);
  let worst = -1;
  let worstDelta = 0;
  for (let i = 0; i < e.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
    const delta = Math.abs(x - y);
    const ok = isFloat && delta <= 1e-7 + 1e-3 * Math.abs(y);
    if (!ok && !(delta <= worstDelta)) {
      worst = i;
      worstDelta = delta;
    }
  }
  if (worst >= 0) return `${label}: max|Δ| ${worstDelta} at flat index ${worst} (got ${a[worst]}, expected ${e[worst]})`;
  return undefined;
}

export async function runCase(directory: string, name: string): Promise<CaseResult> {
  const model = decodeModel(readFileSync(join(directory, 'model.onnx')));
  const graph = model.graph;
  const graphInputs = graph.inputs.filter((i) => !graph.initializers.has(i.name));
  if ([...graphInputs, ...graph.outputs].some((v) => !v.isTensor)) return { name, status: 'skip', message: 'non-tensor input/output' };
  const dataDir = join(directory, 'test_data_set_0');
  if (!existsSync(dataDir)) return { name, status: 'skip', message: 'no test data' };
  const files = readdirSync(dataDir);
  const feeds = new Map<string, Tensor | undefined>();
  try {
    graphInputs.forEach((input, i) => {
      if (files.includes(`input_${i}.pb`)) feeds.set(input.name, decodeTensor(readFileSync(join(dataDir, `input_${i}.pb`))));
    });
    const expected = graph.outputs.map((_o, i) => decodeTensor(readFileSync(join(dataDir, `output_${i}.pb`))));
    const actual = await runGraph(graph, feeds, model.opsets);
    for (let i = 0; i < expected.length; i++) {
      const problem = compareTensors(actual[i], expected[i]!, `output ${i} (${graph.outputs[i]!.name})`);
      if (problem) return { name, status: 'fail', message: problem };
    }
    return { name, status: 'pass' };
  } catch (error) {
    return { name, status: 'fail', message: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  }
}
