// TreeEnsemble (ai.onnx.ml opset 5): every tree walks from its root by comparing one feature
// with the node's split (<=, <, >=, >, ==, != or set membership; NaN follows
// nodes_missing_value_tracks_true) until a leaf; leaves add weights to their targets; trees are
// combined by sum, average, min or max; an optional post transform follows.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { intAttr, intsAttr, requireInput, tensorAttr } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, FLOAT_TYPES, fromNumbers, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

const MEMBER = 6;

function compare(mode: number, x: number, split: number, members: ReadonlySet<number> | undefined): boolean {
  switch (mode) {
    case 0: return x <= split;
    case 1: return x < split;
    case 2: return x >= split;
    case 3: return x > split;
    case 4: return x === split;
    case 5: return x !== split;
    default: return members?.has(x) ?? false;
  }
}

function postTransform(context: OpContext, kind: number, row: Float64Array): void {
  if (kind === 0) return;
  if (kind === 2) for (let i = 0; i < row.length; i++) row[i] = 1 / (1 + Math.exp(-row[i]!));
  else if (kind === 1 || kind === 3) {
    const max = Math.max(...row);
    let sum = 0;
    for (let i = 0; i < row.length; i++) sum += row[i] = kind === 3 && row[i] === 0 ? 0 : Math.exp(row[i]! - max);
    for (let i = 0; i < row.length; i++) row[i] = row[i]! / sum;
  } else throw evaluateError(context, 'unsupported post_transform', { expected: '0 NONE, 1 SOFTMAX, 2 LOGISTIC, 3 SOFTMAX_ZERO', found: String(kind) });
}

function treeEnsemble(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  expectType(context, x, FLOAT_TYPES);
  const ints = (name: string) => intsAttr(attributes, name) ?? [];
  const tensor = (name: string) => {
    const t = tensorAttr(attributes, name);
    return t ? Array.from(toNumbers(t)) : [];
  };
  const [features, splits, modes] = [ints('nodes_featureids'), tensor('nodes_splits'), tensor('nodes_modes')];
  const [trueIds, falseIds, trueLeaf, falseLeaf] = [ints('nodes_truenodeids'), ints('nodes_falsenodeids'), ints('nodes_trueleafs'), ints('nodes_falseleafs')];
  const missingTrue = ints('nodes_missing_value_tracks_true');
  const [leafTargets, leafWeights, roots] = [ints('leaf_targetids'), tensor('leaf_weights'), ints('tree_roots')];
  const targets = intAttr(attributes, 'n_targets', 1);
  const aggregate = intAttr(attributes, 'aggregate_function', 1);
  // The k-th membership node's set is the k-th NaN-separated run of membership_values.
  const sets = new Map<number, Set<number>>();
  const membership = tensor('membership_values');
  let cursor = 0;
  modes.forEach((mode, node) => {
    if (mode !== MEMBER) return;
    const set = new Set<number>();
    while (cursor < membership.length && !Number.isNaN(membership[cursor]!)) set.add(membership[cursor++]!);
    cursor++;
    sets.set(node, set);
  });
  const [rows, columns] = [x.dims[0] ?? 1, x.dims[1] ?? 1];
  const values = toNumbers(x);
  const out = new Float64Array(rows * targets);
  for (let r = 0; r < rows; r++) {
    const result = new Float64Array(targets).fill(aggregate === 2 ? Infinity : aggregate === 3 ? -Infinity : 0);
    const hit = new Uint8Array(targets);
    for (const root of roots) {
      let node = root;
      for (let guard = 0; guard <= modes.length; guard++) {
        const feature = values[r * columns + features[node]!]!;
        const goTrue = Number.isNaN(feature) ? missingTrue[node] === 1 : compare(modes[node]!, feature, splits[node]!, sets.get(node));
        const next = goTrue ? trueIds[node]! : falseIds[node]!;
        if ((goTrue ? trueLeaf[node] : falseLeaf[node]) === 1) {
          const target = leafTargets[next]!;
          const weight = leafWeights[next]!;
          hit[target] = 1;
          result[target] = aggregate === 2 ? Math.min(result[target]!, weight) : aggregate === 3 ? Math.max(result[target]!, weight) : result[target]! + weight;
          break;
        }
        node = next;
      }
    }
    for (let t = 0; t < targets; t++) {
      if (!hit[t]) result[t] = 0;
      else if (aggregate === 0) result[t] = result[t]! / roots.length;
    }
    postTransform(context, intAttr(attributes, 'post_transform', 0), result);
    out.set(result, r * targets);
  }
  return [fromNumbers(x.type, [rows, targets], out)];
}

export const op = defineOp('TreeEnsemble', 5, treeEnsemble, Infinity, 'ai.onnx.ml');
