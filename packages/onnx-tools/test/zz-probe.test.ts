import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { load } from '../src/index.js';
it('probe', async () => {
  for (const name of process.env.PROBE!.split(',')) {
    const model = await load(readFileSync(`/work/shared/onnx-node-tests/node/${name}/model.onnx`));
    const lines = [`== ${name} opset ${model.opset('')}`];
    for (const v of model.graph.inputs) lines.push(`in ${v.name} ${(v as any).dtype} [${(v as any).shape}]`);
    for (const n of model.graph.nodes) lines.push(`${n.op}(${n.inputs.map((i: any) => i.name).join(', ')}) -> ${n.outputs.map((o: any) => o.name).join(', ')} ${JSON.stringify([...n.attributes].map(([k, a]: any) => [k, a.type === 'tensor' ? `${a.value.type}[${a.value.dims}]=${Array.from(a.value.data).slice(0,8)}` : a.type === 'graph' ? 'graph' : a.value]))}`);
    for (const v of model.graph.outputs) lines.push(`out ${v.name} ${(v as any).dtype} [${(v as any).shape}]`);
    console.log(lines.join('\n'));
  }
});
