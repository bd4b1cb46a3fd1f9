// Random byte mutations and truncations of real models: load() (and saving/inspecting/decoding
// what it returns) must either succeed or throw a coded KilnError, quickly, without huge
// allocations. Reproduce a run with KILN_TEST_SEED=<seed> npx vitest run test/fuzz.test.ts
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { KilnError, readFlag, seededRandom } from '@kiln/common';
import { expect, it } from 'vitest';
import { Constant, inspect, load, save } from '../src/index.js';
import { SHARED } from './shared.js';

const SEED = readFlag('KILN_TEST_SEED') ?? 20261121;

const random = seededRandom;

function mutate(bytes: Uint8Array, next: () => number): Uint8Array {
  const int = (n: number) => Math.floor(next() * n);
  const out = new Uint8Array(bytes);
  switch (int(5)) {
    case 0: // truncate
      return out.subarray(0, int(out.length));
    case 1: // flip a few bytes
      for (let i = 0, n = 1 + int(8); i < n; i++) out[int(out.length)] = int(256);
      return out;
    case 2: { // huge varint (length fields)
      const at = int(Math.max(1, out.length - 6));
      out.set([0xff, 0xff, 0xff, 0xff, 0x0f], at);
      return out;
    }
    case 3: { // insert garbage
      const at = int(out.length);
      const junk = Uint8Array.from({ length: 1 + int(16) }, () => int(256));
      return Uint8Array.from([...out.subarray(0, at), ...junk, ...out.subarray(at)]);
    }
    default: { // flip one bit near the start (headers, names, dims)
      const at = int(Math.min(out.length, 512));
      out[at] = (out[at] as number) ^ (1 << int(8));
      return out;
    }
  }
}

async function exercise(bytes: Uint8Array): Promise<void> {
  const model = await load(bytes);
  inspect(model);
  for (const value of model.graph.initializers) if (value instanceof Constant) void value.values;
  save(model);
}

it(`load() survives mutated models (seed ${SEED})`, async () => {
  console.log(`fuzz seed ${SEED}; reproduce: KILN_TEST_SEED=${SEED} npx vitest run test/fuzz.test.ts`);
  const next = random(SEED);
  const nodeDir = join(SHARED, 'onnx-node-tests/node');
  const cases = readdirSync(nodeDir).sort();
  const small = Array.from({ length: 60 }, () => readFileSync(join(nodeDir, cases[Math.floor(next() * cases.length)] as string, 'model.onnx')));
  const big = ['squeezenet1_1', 'bert_mini'].map((n) => readFileSync(join(SHARED, 'models', `${n}.onnx`)));
  const uncoded: string[] = [];
  let slowest = 0;
  let loaded = 0;
  const total = 3000;
  for (let i = 0; i < total; i++) {
    const source = i % 100 === 0 ? (big[(i / 100) % 2] as Uint8Array) : (small[i % small.length] as Uint8Array);
    const mutated = mutate(source, next);
    const start = performance.now();
    try {
      await exercise(mutated);
      loaded++;
    } catch (error) {
      if (!KilnError.isInstance(error)) uncoded.push(`#${i}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    }
    slowest = Math.max(slowest, performance.now() - start);
  }
  console.log(`${total} mutations: ${loaded} still loaded, slowest ${slowest.toFixed(0)} ms`);
  expect(uncoded.slice(0, 10)).toEqual([]);
  expect(slowest).toBeLessThan(5000);
}, 120_000);
