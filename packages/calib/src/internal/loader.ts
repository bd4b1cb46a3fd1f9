// The data-loader protocol: any (async) iterable of batches, each a record of named tensors.
import { KilnError } from '@kiln/common';
import { Constant, type Model, type Tensor, type Value } from '@kiln/onnx-tools';

/**
 * One calibration batch: a tensor for every graph input, by input name.
 *
 * @example
 * ```ts
 * const batch: Batch = { input: { type: 'float32', dims: [1, 3, 224, 224], data: pixels } };
 * ```
 */
export type Batch = Readonly<Record<string, Tensor>>;

/**
 * Anything that yields batches: an array, a generator, an async generator, a stream.
 *
 * @example
 * ```ts
 * async function* batches(): AsyncGenerator<Batch> {
 *   for (const file of files) yield { input: await decodeImage(file) };
 * }
 * const loader: CalibrationLoader = batches();
 * ```
 */
export type CalibrationLoader = Iterable<Batch> | AsyncIterable<Batch>;

/** The graph inputs a batch must feed (initializers listed as inputs are not fed). */
export function modelInputs(model: Model): Value[] {
  return model.graph.inputs.filter((input) => !(input instanceof Constant));
}

function describeShape(shape: readonly unknown[] | undefined): string {
  return shape === undefined ? 'unknown shape' : `[${shape.map((d) => (d === undefined ? '?' : String(d))).join(', ')}]`;
}

function inputError(index: number, name: string, message: string, expected: string, found: string, hint: string): KilnError {
  return new KilnError('ERR_CALIB_INPUT', `Calibration batch ${index}: ${message}`, {
    where: `batch ${index}, tensor '${name}'`,
    expected,
    found,
    hint,
  });
}

/**
 * Check one batch against the model's inputs: the same names (none missing, none extra), each
 * input's dtype, rank and fixed dims, a data length matching the dims, and symbolic dims
 * (`'N'`) taking one value across the batch. Throws `ERR_CALIB_INPUT`.
 */
export function checkBatch(model: Model, batch: unknown, index: number): asserts batch is Batch {
  if (typeof batch !== 'object' || batch === null || Array.isArray(batch)) {
    throw new KilnError('ERR_CALIB_INPUT', `Calibration batch ${index} is not a record of named tensors`, {
      where: `batch ${index}`,
      expected: 'an object { inputName: { type, dims, data } }',
      found: Array.isArray(batch) ? 'an array' : batch === null ? 'null' : typeof batch,
      hint: 'make the loader yield one object per batch, keyed by graph input name',
    });
  }
  const inputs = modelInputs(model);
  const names = inputs.map((input) => input.name);
  const record = batch as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    if (!names.includes(name)) {
      throw inputError(index, name, `'${name}' is not an input of the model`, `inputs ${names.map((n) => `'${n}'`).join(', ')}`, `'${name}'`, 'rename the tensor to the graph input it feeds, or drop it from the batch');
    }
  }
  const symbols = new Map<string, { value: number; tensor: string }>();
  for (const input of inputs) {
    const tensor = record[input.name] as Tensor | undefined;
    if (tensor === undefined) {
      throw inputError(index, input.name, `no tensor for input '${input.name}'`, `${input.dtype ?? 'a'} tensor ${describeShape(input.shape)}`, 'nothing', 'feed every graph input in every batch');
    }
    if (typeof tensor !== 'object' || tensor === null || !Array.isArray(tensor.dims) || tensor.data === undefined) {
      throw inputError(index, input.name, `'${input.name}' is not a tensor`, '{ type, dims, data }', typeof tensor, 'yield tensors shaped like onnxruntime-node tensors');
    }
    if (input.dtype !== undefined && tensor.type !== input.dtype) {
      throw inputError(index, input.name, `'${input.name}' has the wrong element type`, input.dtype, String(tensor.type), `convert the data to ${input.dtype} before yielding it`);
    }
    const shape = input.shape;
    if (shape !== undefined) {
      if (tensor.dims.length !== shape.length) {
        throw inputError(index, input.name, `'${input.name}' has the wrong rank`, `rank ${shape.length} ${describeShape(shape)}`, `rank ${tensor.dims.length} [${tensor.dims.join(', ')}]`, 'reshape the batch to the model input layout');
      }
      shape.forEach((dim, axis) => {
        const actual = tensor.dims[axis] as number;
        if (typeof dim === 'number' && dim !== actual) {
          throw inputError(index, input.name, `'${input.name}' has the wrong size on axis ${axis}`, describeShape(shape), `[${tensor.dims.join(', ')}]`, 'fixed dims must match exactly; only symbolic dims may vary');
        }
        if (typeof dim === 'string') {
          const seen = symbols.get(dim);
          if (seen && seen.value !== actual) {
            throw inputError(index, input.name, `symbolic dim '${dim}' differs between inputs`, `${dim} = ${seen.value} (as in '${seen.tensor}')`, `${dim} = ${actual} on axis ${axis}`, 'inputs sharing a dim name must agree within a batch');
          }
          symbols.set(dim, { value: actual, tensor: input.name });
        }
      });
    }
    const elements = tensor.dims.reduce((a, b) => a * b, 1);
    if (tensor.data.length !== elements) {
      throw inputError(index, input.name, `'${input.name}' has ${tensor.data.length} elements for dims [${tensor.dims.join(', ')}]`, `${elements} elements`, `${tensor.data.length}`, 'the data length must be the product of dims');
    }
  }
}

/** Iterate a loader (sync or async), failing with ERR_CALIB_LOADER when it is not iterable. */
export function asAsyncIterable(loader: unknown): AsyncIterable<unknown> {
  if (loader !== null && typeof loader === 'object') {
    if (typeof (loader as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return loader as AsyncIterable<unknown>;
    if (typeof (loader as Iterable<unknown>)[Symbol.iterator] === 'function') {
      const iterable = loader as Iterable<unknown>;
      return {
        async *[Symbol.asyncIterator]() {
          yield* iterable;
        },
      };
    }
  }
  throw new KilnError('ERR_CALIB_LOADER', 'The calibration loader is not iterable', {
    where: 'options.loader',
    expected: 'an Iterable or AsyncIterable of batches (an array, a generator, an async generator)',
    found: loader === null ? 'null' : typeof loader,
    hint: 'pass e.g. an async generator function call: loader: batches()',
  });
}

/** The ERR_CALIB_EMPTY error for a loader that yielded nothing. */
export function emptyLoaderError(): KilnError {
  return new KilnError('ERR_CALIB_EMPTY', 'The calibration loader yielded no batches', {
    where: 'options.loader',
    expected: 'at least one batch',
    found: '0 batches',
    hint: 'check that the data set is not empty and that the iterable is not already consumed (generators run once)',
  });
}
