export { Graph, type CleanupOptions } from './graph.js';
export { Model, type ModelFunction } from './model.js';
export { Node, type NodeInit, type AttributeReference } from './node.js';
export { Constant, Variable, TensorBase, type ConstantSource, type Dim, type Shape, type Value, type ValueType } from './value.js';
export { elementBits, elementTypeCode, elementTypeFromCode, isTensorType, type ElementType } from './dtype.js';
