import { buildEngine } from '@kiln/builder';
import { type Tensor, evaluate, load } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { checkFlags, type ParsedArgs } from '../args.js';
import { compareOutput } from '../internal/compare.js';
import { parseNumber, parseShapes } from '../internal/flags.js';
import { makeFeeds } from '../internal/inputs.js';
import { requireFlag } from '../internal/require.js';
import { BUILD_FLAGS, buildOptions } from './build.js';

export const COMPARE_FLAGS = [...new Set([...BUILD_FLAGS, 'atol', 'rtol', 'seed', 'reference'])];

type Reference = (model: string, feeds: Record<string, Tensor>) => Promise<Record<string, Tensor>>;

/** onnxruntime-node when it is installed (an optional peer dependency), else Kiln's reference evaluator. */
async function chooseReference(preferred: string | undefined): Promise<{ name: string; run: Reference }> {
  if (preferred !== 'evaluator') {
    try {
      const ort = (await import('onnxruntime-node')) as typeof import('onnxruntime-node');
      return {
        name: 'onnxruntime-node',
        run: async (model, feeds) => {
          const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled' });
          const inputs = Object.fromEntries(Object.entries(feeds).map(([name, tensor]) => [name, new ort.Tensor(tensor.type as 'float32', tensor.data as Float32Array, tensor.dims)]));
          const outputs = await session.run(inputs);
          return Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, { type: value.type, dims: [...value.dims], data: value.data } as Tensor]));
        },
      };
    } catch (error) {
      if (preferred === 'onnxruntime') throw error;
    }
  }
  return { name: 'reference evaluator', run: async (model, feeds) => evaluate(await load(model), feeds) };
}

/** `kiln compare --onnx=M.onnx [--atol= --rtol=]`: Kiln vs onnxruntime-node (or the reference evaluator) on the same inputs. */
export async function compareCommand(args: ParsedArgs): Promise<number> {
  checkFlags('compare', args, COMPARE_FLAGS);
  const onnx = requireFlag(args, 'compare', 'onnx', 'the ONNX model, e.g. --onnx=model.onnx');
  const atol = parseNumber(args.flags.get('atol'), 'atol', 1e-4);
  const rtol = parseNumber(args.flags.get('rtol'), 'rtol', 1e-3);
  const engine = new Runtime().deserializeEngine(await buildEngine(onnx, buildOptions(args, () => {})));
  const feeds = makeFeeds(engine, parseShapes(args.flags.get('shapes'), 'shapes'), new Map(), parseNumber(args.flags.get('seed'), 'seed', 1));
  const actual = await engine.createExecutionContext().run(feeds);
  const reference = await chooseReference(args.flags.get('reference'));
  const expected = await reference.run(onnx, feeds);
  console.log(`Comparing Kiln with ${reference.name} (atol ${atol}, rtol ${rtol}; an element fails only when both are exceeded)`);
  let pass = true;
  for (const [name, tensor] of Object.entries(expected)) {
    const mine = actual[name];
    const result = mine
      ? compareOutput(name, mine as never, tensor as never, atol, rtol)
      : { name, pass: false, reason: 'missing from Kiln outputs', maxAbsError: Number.NaN, maxRelError: Number.NaN, mismatches: 0, elements: 0 };
    pass &&= result.pass;
    const detail = result.reason ?? `max abs ${result.maxAbsError.toExponential(3)}, max rel ${result.maxRelError.toExponential(3)}, ${result.mismatches}/${result.elements} elements out of tolerance`;
    console.log(`  ${result.pass ? 'PASS' : 'FAIL'} ${name}: ${detail}`);
  }
  console.log(pass ? 'PASSED' : 'FAILED');
  return pass ? 0 : 1;
}
