import fs from 'node:fs';
import { KilnError, seededRandom } from '@kiln/common';
import type { Engine, Tensor } from '@kiln/runtime';
import { decodeNpy } from './npy.js';


/** Seeded random data of an input's dtype: floats in [-1, 1), integers in [0, 16), booleans 0/1. */
export function randomTensor(dtype: string, dims: number[], next: () => number): Tensor {
  const count = dims.reduce((product, dim) => product * dim, 1);
  const fill = <T>(make: (length: number) => T & { [index: number]: number | bigint }, value: () => number | bigint) => {
    const data = make(count);
    for (let i = 0; i < count; i++) data[i] = value();
    return data;
  };
  switch (dtype) {
    case 'float32':
      return { type: 'float32', dims, data: fill((n) => new Float32Array(n), () => next() * 2 - 1) };
    case 'float64':
      return { type: 'float64', dims, data: fill((n) => new Float64Array(n), () => next() * 2 - 1) };
    case 'int64':
      return { type: 'int64', dims, data: fill((n) => new BigInt64Array(n), () => BigInt(Math.floor(next() * 16))) };
    case 'int32':
      return { type: 'int32', dims, data: fill((n) => new Int32Array(n), () => Math.floor(next() * 16)) };
    case 'bool':
      return { type: 'bool', dims, data: fill((n) => new Uint8Array(n), () => (next() < 0.5 ? 0 : 1)) };
    default:
      throw new KilnError('ERR_UNSUPPORTED_DTYPE', `kiln cannot generate random ${dtype} data.`, { hint: 'Pass the input with --loadInputs=name:file.npy.' });
  }
}

/**
 * Feeds for every engine input: from .npy files where given, else seeded random data at the
 * given shape (or the profile's opt shape).
 */
export function makeFeeds(engine: Engine, shapes: Record<string, number[]> | undefined, files: Map<string, string>, seed = 1): Record<string, Tensor> {
  const next = seededRandom(seed);
  const feeds: Record<string, Tensor> = {};
  for (const [name] of files) {
    if (!engine.inputs.some((input) => input.name === name)) {
      throw new KilnError('ERR_CLI_USAGE', `--loadInputs names "${name}", which is not an input of the engine.`, { expected: engine.inputs.map((input) => input.name).join(', '), found: name });
    }
  }
  for (const input of engine.inputs) {
    const file = files.get(input.name);
    if (file !== undefined) {
      let bytes: Uint8Array;
      try {
        bytes = fs.readFileSync(file);
      } catch (error) {
        throw new KilnError('ERR_FILE', `Cannot read input file ${file}.`, { cause: error, hint: 'Check the path given in --loadInputs.' });
      }
      feeds[input.name] = decodeNpy(bytes, file) as unknown as Tensor;
      continue;
    }
    const dims = shapes?.[input.name] ?? engine.getProfileShape(input.name, 0).opt;
    feeds[input.name] = randomTensor(input.dtype, dims, next);
  }
  return feeds;
}
