import { KilnError } from '@kiln/common';
import type { PlanHeader, PlanLayer, PlanProfile } from '../plan/schema.js';
import { type DimExpression, compileDim } from '../shapes/dim-expr.js';

/** A plan's dimension expressions, compiled once per engine. */
export class ShapeFunctions {
  private readonly tensorDims: DimExpression[][];
  private readonly layerParams: ((symbols: ReadonlyMap<string, number>) => number)[][];

  constructor(private readonly header: PlanHeader) {
    this.tensorDims = header.tensors.map((tensor) => tensor.dims.map((dim) => compileDim(dim)));
    this.layerParams = header.layers.map((layer) =>
      (layer.params ?? []).map((param) => {
        if (typeof param === 'number') return () => param;
        return compileDim(param);
      }),
    );
  }

  /** Layer parameters with their dimension expressions evaluated. */
  params(layer: number, symbols: ReadonlyMap<string, number>): number[] {
    return this.layerParams[layer]!.map((param) => param(symbols));
  }

  /**
   * Bind the symbolic dims of the inputs from concrete shapes, checking ranks, fixed dims,
   * consistency of repeated symbols, and the optimization profile's min/max.
   */
  bindInputs(shapes: ReadonlyMap<string, readonly number[]>, profileIndex: number): Map<string, number> {
    const profile: PlanProfile | undefined = this.header.profiles[profileIndex];
    const symbols = new Map<string, number>();
    for (const input of this.header.inputs) {
      // An input whose dims are all fixed needs no shape from the caller.
      const dims = shapes.get(input.name) ?? (input.dims.every((dim) => typeof dim === 'number') ? (input.dims as number[]) : undefined);
      if (dims === undefined) {
        throw new KilnError('ERR_SHAPE', `No shape for input "${input.name}".`, {
          expected: `dims [${input.dims.join(', ')}]`,
          found: 'nothing',
          hint: `Pass "${input.name}" in the feeds or call setInputShape("${input.name}", dims).`,
        });
      }
      if (dims.length !== input.dims.length) throw shapeError(input.name, `rank ${input.dims.length} [${input.dims.join(', ')}]`, `rank ${dims.length} [${dims.join(', ')}]`);
      input.dims.forEach((declared, axis) => {
        const actual = dims[axis]!;
        if (!Number.isSafeInteger(actual) || actual < 0) throw shapeError(input.name, 'non-negative integer dims', `[${dims.join(', ')}]`);
        if (typeof declared === 'number') {
          if (declared !== actual) throw shapeError(input.name, `dim ${axis} = ${declared}`, `${actual} in [${dims.join(', ')}]`);
          return;
        }
        const bound = symbols.get(declared);
        if (bound !== undefined && bound !== actual) {
          throw shapeError(input.name, `dim ${axis} ("${declared}") = ${bound}, as bound by another input`, `${actual}`);
        }
        symbols.set(declared, actual);
      });
      const range = profile?.[input.name];
      if (range && dims.some((dim, axis) => dim < range.min[axis]! || dim > range.max[axis]!)) {
        throw new KilnError('ERR_SHAPE_PROFILE', `Shape of input "${input.name}" is outside optimization profile ${profileIndex}.`, {
          expected: `between [${range.min.join(', ')}] and [${range.max.join(', ')}]`,
          found: `[${dims.join(', ')}]`,
          hint: 'Rebuild with a wider profile (--minShapes/--maxShapes) or select another profile with setOptimizationProfile().',
        });
      }
    }
    return symbols;
  }

  /** Concrete dims of every tensor for bound symbols. */
  resolve(symbols: ReadonlyMap<string, number>): number[][] {
    return this.tensorDims.map((dims, index) =>
      dims.map((dim) => {
        // Extents that depend on data (symbols no input binds) are known only once a reference
        // layer has produced the tensor: -1 here (the builder keeps them off native layers).
        let value: number;
        try {
          value = dim(symbols);
        } catch (error) {
          if (KilnError.isInstance(error, 'ERR_SHAPE')) return -1;
          throw error;
        }
        if (!Number.isSafeInteger(value) || value < -1) {
          throw new KilnError('ERR_SHAPE', `Tensor "${this.header.tensors[index]!.name}" gets an invalid size for these input shapes.`, {
            expected: 'a non-negative dimension',
            found: String(value),
            hint: 'Check the input shapes against the model; they may be inconsistent with each other.',
          });
        }
        return value;
      }),
    );
  }
}

function shapeError(input: string, expected: string, found: string): KilnError {
  return new KilnError('ERR_SHAPE', `Input "${input}" has a shape the engine cannot take.`, {
    expected,
    found,
    hint: 'Use engine.inputs to see each input\'s dims (-1 marks a dynamic dim) and the profile range.',
  });
}

/** Consecutive native layers form one native segment; each reference layer is a segment of its own. */
export type Segment = { kind: 'native'; layers: number[] } | { kind: 'reference'; layer: number };

export function segmentLayers(layers: readonly PlanLayer[]): Segment[] {
  const segments: Segment[] = [];
  layers.forEach((layer, index) => {
    if (layer.kernel === 'reference') {
      segments.push({ kind: 'reference', layer: index });
      return;
    }
    const last = segments.at(-1);
    if (last?.kind === 'native') last.layers.push(index);
    else segments.push({ kind: 'native', layers: [index] });
  });
  return segments;
}
