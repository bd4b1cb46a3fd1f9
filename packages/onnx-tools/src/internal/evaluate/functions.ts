// Model-local functions are expanded at the call site: the body runs in its own environment
// with formal inputs bound to the call's values and attribute references resolved.
import type { AttributeValue, Attributes } from '../attribute.js';
import type { Graph } from '../ir/graph.js';
import type { ModelFunction } from '../ir/model.js';
import type { Node } from '../ir/node.js';

/**
 * The attributes of a function body's node with its attribute references replaced by the calling
 * node's attributes (or the function's defaults); references with neither are dropped, as ONNX says.
 */
export function bindAttributes(bodyNode: Node, callAttributes: Attributes<Graph>, f: ModelFunction): Attributes<Graph> {
  if (bodyNode.attributeReferences.size === 0) return bodyNode.attributes;
  const attributes = new Map<string, AttributeValue<Graph>>(bodyNode.attributes);
  for (const [name, reference] of bodyNode.attributeReferences) {
    const value = callAttributes.get(reference.ref) ?? f.attributeDefaults.get(reference.ref);
    if (value) attributes.set(name, value);
  }
  return attributes;
}

/** Whether `node` calls a model-local function (by domain, name and overload). */
export function calledFunction(functions: readonly ModelFunction[], node: Node): ModelFunction | undefined {
  if (functions.length === 0) return undefined;
  return functions.find((f) => f.domain === node.domain && f.name === node.op && f.overload === node.overload);
}

