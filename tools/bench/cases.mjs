// The benchmark cases: every shared model at batch 1, mobilenet_v2 at batch 8, bert_mini at
// sequence 32 and 128. Inputs are seeded random data of each input's dtype, as models.json's
// `values` describes them (token ids in [0, 4096), attention masks of ones), the same for both
// runtimes.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFlag, seededRandom } from '@kiln/common';
import { load } from '@kiln/onnx-tools';

export function benchCases(shared) {
  const spec = JSON.parse(fs.readFileSync(path.join(shared, 'models', 'models.json'), 'utf8'));
  const cases = [];
  for (const model of spec.models) {
    // A model announced before its file is there (`file` then says how to export it) runs once
    // <name>.onnx is put in the folder.
    const named = [model.file, `${model.name}.onnx`].map((name) => path.join(shared, 'models', name));
    const file = named.find((candidate) => fs.existsSync(candidate));
    if (file === undefined) continue;
    const shapes = (override) => Object.fromEntries(model.inputs.map((input) => [input.name, input.shape.map((dim, axis) => override(input, axis) ?? dim)]));
    const sequenceAxis = (input) => Object.entries(input.dynamic ?? {}).find(([, name]) => /^S/.test(name))?.[0];
    if (model.inputs.some((input) => sequenceAxis(input) !== undefined)) {
      for (const length of [32, 128]) {
        cases.push({ name: `${model.name} seq ${length}`, model, file, shapes: shapes((input, axis) => (String(axis) === sequenceAxis(input) ? length : axis === 0 ? 1 : undefined)) });
      }
    } else {
      cases.push({ name: `${model.name} batch 1`, model, file, shapes: shapes((_, axis) => (axis === 0 ? 1 : undefined)) });
      if (model.name === 'mobilenet_v2') cases.push({ name: `${model.name} batch 8`, model, file, shapes: shapes((_, axis) => (axis === 0 ? 8 : undefined)) });
    }
  }
  return cases;
}

/** A case for any ONNX file with static input shapes (a tool's --model=FILE), e.g. a zoo model. */
export async function modelCase(file) {
  const inputs = (await load(file)).graph.inputs.map((input) => ({ name: input.name, dtype: input.dtype, shape: input.shape }));
  if (inputs.some((input) => !input.shape?.every((dim) => typeof dim === 'number'))) throw new Error(`${file}: --model needs static input shapes`);
  return { name: path.basename(file), file, model: { inputs }, shapes: Object.fromEntries(inputs.map((input) => [input.name, input.shape])) };
}

/**
 * The case a tool's arguments name: `--model=FILE` (modelCase), else `--case=NAME` (`fallback`
 * when absent) among the shared models' cases (KILN_SHARED_DIR, or ../shared beside the
 * repository); an unknown name throws with the list of cases.
 */
export async function chosenCase(args, fallback) {
  if (args.has('model')) return modelCase(String(args.get('model')));
  const shared = readFlag('KILN_SHARED_DIR') ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared');
  const name = String(args.get('case') ?? fallback);
  const cases = benchCases(shared);
  const found = cases.find((c) => c.name === name);
  if (!found) throw new Error(`No case "${name}"; cases: ${cases.map((c) => c.name).join(', ')}`);
  return found;
}

/**
 * Seeded inputs for a models.json entry. An input's `values` says what it holds, when given:
 * "ones", "zeros", or a range "… in [lo, hi)" (integers for integer dtypes). Without it: floats
 * in [-1, 1), and for integer inputs ones for a mask (by name) and ids in [0, 4096) otherwise.
 */
export function makeInputs(model, shapes, seed = 7) {
  const next = seededRandom(seed);
  const feeds = {};
  for (const input of model.inputs) {
    const dims = shapes[input.name];
    const count = dims.reduce((a, b) => a * b, 1);
    const values = String(input.values ?? '');
    const range = /\[\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\)/.exec(values);
    const integer = ['int64', 'int32', 'bool'].includes(input.dtype);
    let value;
    if (/^\s*ones?\b/i.test(values) || (!values && integer && /mask/.test(input.name))) value = () => 1;
    else if (/^\s*zeros?\b/i.test(values)) value = () => 0;
    else if (range) value = () => (integer ? Math.floor(Number(range[1]) + next() * (Number(range[2]) - Number(range[1]))) : Number(range[1]) + next() * (Number(range[2]) - Number(range[1])));
    else value = integer ? () => Math.floor(next() * 4096) : () => next() * 2 - 1;
    if (input.dtype === 'int64') feeds[input.name] = { type: 'int64', dims, data: BigInt64Array.from({ length: count }, () => BigInt(value())) };
    else if (input.dtype === 'int32') feeds[input.name] = { type: 'int32', dims, data: Int32Array.from({ length: count }, value) };
    else if (input.dtype === 'bool') feeds[input.name] = { type: 'bool', dims, data: Uint8Array.from({ length: count }, () => (value() ? 1 : 0)) };
    else feeds[input.name] = { type: 'float32', dims, data: Float32Array.from({ length: count }, value) };
  }
  return feeds;
}

/** The activation inputs and outputs of Conv/Gemm/MatMul, by name: what int8 layers and the Q/DQ writer need calibrated. */
export function calibrationTensors(model) {
  const nodes = model.graph.nodes.filter((node) => ['Conv', 'Gemm', 'MatMul'].includes(node.op));
  return [...new Set(nodes.flatMap((node) => [...node.inputs.slice(0, 2), node.outputs[0]]).filter((value) => value && !value.isConstant).map((value) => value.name))];
}

/** `--name=value` and `--flag` command-line arguments as a Map (flags map to true). */
export function parseArgs(argv) {
  return new Map(argv.map((arg) => [arg.replace(/^--/, '').split('=')[0], arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : true]));
}
