import { buildEngine } from '@kiln/builder';
const model = process.argv[2], flag = process.argv[3];
const lines = [];
const shapes = model.includes('bert') ? { input_ids: [1, 128], attention_mask: [1, 128] } : { input: [1, 3, 224, 224] };
const opts = { shapes, threads: 1, log: (l) => lines.push(l) };
if (flag && flag !== 'fp32') opts[flag] = true;
await buildEngine(`/work/shared/models/${model}.onnx`, opts);
const sums = {}; let total = 0;
for (const l of lines) {
  const m = /^Tactic: (.*) → (\S+) \((?:timing cache, )?([0-9.]+) ms/.exec(l);
  if (!m) { if (l.startsWith('Tactic:')) { const k = l.split('→ ')[1].split(' ')[0]; sums[k] = (sums[k] ?? 0); } continue; }
  const key = m[2].replace(/__.*/, '');
  sums[key] = (sums[key] ?? 0) + Number(m[3]); total += Number(m[3]);
}
console.log(model, flag ?? 'fp32', 'sum of timed layers ms', total.toFixed(2));
for (const [k, v] of Object.entries(sums).sort((a, b) => b[1] - a[1])) console.log('  ', k.padEnd(36), v.toFixed(3));
