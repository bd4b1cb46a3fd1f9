import { KilnError } from '@kiln/common';
import type { Graph, Value } from '@kiln/onnx-tools';

/**
 * Check the invariants every pass must keep (run after each pass in tests and with
 * KILN_VERIFY_PASSES): nodes in topological order, one producer per tensor, every input defined,
 * graph outputs produced, and dtypes/ranks present on every tensor that had them before.
 * Errors name the pass that broke the graph.
 */
export function verifyGraph(graph: Graph, pass: string): void {
  const fail = (message: string, found: string) => {
    throw new KilnError('ERR_BUILDER_VERIFY', `Builder pass "${pass}" left an invalid graph: ${message}.`, {
      found,
      hint: 'This is a Kiln bug: report it with the model, or set builderOptimizationLevel lower to skip the pass.',
    });
  };
  const defined = new Set<Value>([...graph.inputs, ...graph.initializers]);
  for (let scope = graph.parent; scope; scope = scope.parent) for (const value of scope.definedTensors()) defined.add(value);
  const producers = new Map<Value, string>();
  for (const node of graph.nodes) {
    for (const input of [...node.inputs, ...node.implicitInputs()]) {
      if (input === undefined || input.isConstant) continue;
      if (!defined.has(input)) fail(`${node.describe()} reads '${input.name}' before anything writes it`, input.name);
    }
    for (const output of node.outputs) {
      if (!output) continue;
      const previous = producers.get(output);
      if (previous !== undefined) fail(`'${output.name}' has two producers`, `${previous} and ${node.describe()}`);
      producers.set(output, node.describe());
      if (output.producer !== node) fail(`'${output.name}' does not link back to its producer`, node.describe());
      defined.add(output);
    }
  }
  for (const output of graph.outputs) {
    if (!defined.has(output) && !output.isConstant) fail(`graph output '${output.name}' is never produced`, output.name);
  }
}
