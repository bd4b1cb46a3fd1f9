import fs from 'node:fs';
import { KilnError } from '@kiln/common';
import { formatInspection, inspect, load } from '@kiln/onnx-tools';
import { type EngineInspection, Runtime } from '@kiln/runtime';
import { checkFlags, type ParsedArgs } from '../args.js';
import { readFile } from '../internal/files.js';

export const INSPECT_FLAGS = ['onnx', 'loadEngine', 'exportLayerInfo', 'help'];

/** `kiln inspect --onnx=M.onnx | --loadEngine=M.plan [--exportLayerInfo=F.json]` */
export async function inspectCommand(args: ParsedArgs): Promise<number> {
  checkFlags('inspect', args, INSPECT_FLAGS);
  const onnx = args.flags.get('onnx');
  const planFile = args.flags.get('loadEngine');
  if (onnx) {
    console.log(formatInspection(inspect(await load(onnx))));
    return 0;
  }
  if (!planFile) throw new KilnError('ERR_CLI_USAGE', '`kiln inspect` needs --onnx=M.onnx or --loadEngine=M.plan.', { hint: 'Run `kiln inspect --help`.' });
  const info = new Runtime().deserializeEngine(readFile(planFile, 'plan')).inspect();
  console.log(formatEngine(info));
  const exportFile = args.flags.get('exportLayerInfo');
  if (exportFile) {
    fs.writeFileSync(exportFile, `${JSON.stringify(info, null, 2)}\n`);
    console.log(`Layer information written to ${exportFile}`);
  }
  return 0;
}

function formatEngine(info: EngineInspection): string {
  const dims = (entry: { dims: (number | string)[] }) => `[${entry.dims.join(', ')}]`;
  const lines = [
    `Engine "${info.name}" (Kiln ${info.kilnVersion}, tactics up to ${info.target.isa})`,
    `Inputs:  ${info.inputs.map((io) => `${io.name} ${io.dtype} ${dims(io)}`).join('; ')}`,
    `Outputs: ${info.outputs.map((io) => `${io.name} ${io.dtype} ${dims(io)}`).join('; ')}`,
    `Arena: ${info.arenaBytes} bytes (all activations: ${info.activationBytes}); weights: ${info.weightBytes} bytes`,
    `Layers (${info.layers.length}):`,
  ];
  for (const [index, layer] of info.layers.entries()) {
    const epilogue = layer.epilogue ? ` + ${layer.epilogue.join(' + ')}` : '';
    lines.push(`  ${String(index).padStart(3)} ${layer.type.padEnd(14)} ${layer.tactic}${epilogue}  ${layer.name}`);
    lines.push(`      ${layer.inputs.map(dims).join(' ')} -> ${layer.outputs.map(dims).join(' ')}   from: ${layer.sources.join(' + ')}`);
  }
  return lines.join('\n');
}
