// Loop: run the body while the trip count and condition allow; carry state, stack scan outputs.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { defineOp } from '../util/define.js';
import { makeTensor, toNumbers } from '../util/dtype.js';
import { bodyOf, stack } from '../util/subgraph.js';

async function loopOp(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Promise<(Tensor | undefined)[]> {
  const { body, names } = bodyOf(context, attributes, 'body');
  const maxTrips = inputs[0] ? Number(toNumbers(inputs[0])[0]) : Infinity;
  let condition = inputs[1] ? Boolean(toNumbers(inputs[1])[0]) : true;
  let carried = inputs.slice(2);
  const scanOutputs: Tensor[][] = [];
  let trip = 0;
  while (trip < maxTrips && condition) {
    const feeds = new Map<string, Tensor | undefined>();
    feeds.set(names[0]!, makeTensor('int64', [], BigInt64Array.of(BigInt(trip))));
    feeds.set(names[1]!, makeTensor('bool', [], Uint8Array.of(condition ? 1 : 0)));
    carried.forEach((t, i) => feeds.set(names[i + 2]!, t));
    const outputs = await context.runGraph(body, feeds);
    condition = Boolean(toNumbers(outputs[0]!)[0]);
    carried = outputs.slice(1, 1 + carried.length);
    outputs.slice(1 + carried.length).forEach((t, i) => (scanOutputs[i] ??= []).push(t!));
    trip++;
  }
  const scanCount = context.outputCount - carried.length;
  const stacked: Tensor[] = [];
  for (let i = 0; i < scanCount; i++) {
    const list = scanOutputs[i] ?? [];
    stacked.push(list.length ? stack(list, list[0]!.dims, list[0]!.type) : makeTensor('float32', [0], new Float32Array(0)));
  }
  return [...carried, ...stacked];
}

export const op = defineOp('Loop', 1, loopOp);
