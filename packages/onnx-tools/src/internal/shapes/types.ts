import { KilnError } from '@kiln/common';
import type { Tensor } from '../../tensor.js';
import type { Attributes } from '../attribute.js';
import type { ElementType } from '../ir/dtype.js';

/**
 * One dimension: a number, or a symbol. Symbols are names from the model (`'N'`, `'batch'`),
 * expressions built by inference (`'3*N'`, `'S+1'`, `'floor((H-1)/2)'`, see `symbolic.ts`) or
 * fresh unknowns named `unk__<k>` (k counts up from 0 within one `inferShapes` run) for extents
 * nothing can tell, such as NonZero's count or a Reshape to a runtime shape.
 */
export type Dim = number | string;

/**
 * What inference knows about one tensor. `undefined` means unknown. `type` is an IR element type:
 * every public `TensorType` plus the newest ONNX types (`int2`, `float4e2m1`, ...).
 */
export interface ValueInfo {
  type: ElementType | undefined;
  dims: Dim[] | undefined;
  /**
   * For small integer tensors (shape tensors): the element values in row-major order, each a
   * number or a symbolic dim. Set by `Shape` and propagated through Gather/Concat/Mul/...;
   * consumed by Reshape, Expand, ConstantOfShape, Tile, Slice, Range, ...
   */
  value?: Dim[] | undefined;
}

/** What a shape rule sees besides its inputs. */
export interface ShapeContext<G = unknown> {
  opType: string;
  /** Operator domain: '' for ai.onnx. */
  domain: string;
  nodeName: string;
  /** Opset version of the node's domain. */
  opset: number;
  /** Number of outputs the node declares. */
  outputCount: number;
  /** Whether input `i` is present (optional inputs may be omitted or given as ''). */
  hasInput(i: number): boolean;
  /** Input `i` when it is a constant (initializer or Constant node output). */
  constantInput(i: number): Tensor | undefined;
  /**
   * Known element values of input `i`, from a constant or from symbolic propagation; undefined
   * when unknown or when the tensor is too large to track.
   */
  valueInput(i: number): Dim[] | undefined;
  /** A new unknown dim named `unk__<k>`. */
  freshDim(): string;
  /** Records a non-fatal problem (e.g. a subgraph that could not be inferred). */
  warn(message: string): void;
  /** Infers a subgraph (If/Loop/Scan body) given its inputs; undefined when not supported. */
  inferSubgraph?(graph: G, inputs: ValueInfo[]): ValueInfo[] | undefined;
}

/**
 * A shape and type rule for one op: returns one ValueInfo per declared output. Throws
 * `ERR_SHAPE_INFERENCE` (via {@link shapeError}) when the inputs are inconsistent.
 */
export type ShapeRule<G = unknown> = (inputs: ValueInfo[], attributes: Attributes<G>, context: ShapeContext<G>) => ValueInfo[];

/**
 * Builds the ERR_SHAPE_INFERENCE error for a node. The message reads
 * `MatMul 'node_12': inner dimensions differ` followed by KilnError's `expected: 256` / `found: 128`
 * lines.
 */
export function shapeError(
  context: Pick<ShapeContext, 'opType' | 'nodeName'>,
  message: string,
  details: { expected?: string; found?: string; hint?: string } = {},
): KilnError {
  return new KilnError('ERR_SHAPE_INFERENCE', `${context.opType} '${context.nodeName}': ${message}`, {
    ...details,
    where: `node '${context.nodeName}' (${context.opType})`,
  });
}

/** Unknown everything. */
export const UNKNOWN: ValueInfo = Object.freeze({ type: undefined, dims: undefined }) as ValueInfo;

/** Text for a shape in messages: `[N,3,224,224]` or `unknown`. */
export function formatDims(dims: readonly Dim[] | undefined): string {
  return dims === undefined ? 'unknown' : `[${dims.join(',')}]`;
}
