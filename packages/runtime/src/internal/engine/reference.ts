import { KilnError } from '@kiln/common';
import { type Model, type Tensor, evaluate, load } from '@kiln/onnx-tools';
import type { PlanHeader } from '../plan/schema.js';

/**
 * Layers Kiln has no native kernel for run with onnx-tools' reference evaluator: the plan holds
 * each as a one-node ONNX model whose inputs and outputs carry the plan's tensor names.
 */
export class ReferenceLayers {
  private readonly models = new Map<number, Promise<Model>>();

  constructor(
    private readonly header: PlanHeader,
    private readonly blob: (name: string) => Uint8Array,
  ) {}

  /** Evaluate layer `index` on `values` (plan tensor index → tensor), storing its outputs there. */
  async run(index: number, values: Map<number, Tensor>): Promise<void> {
    const layer = this.header.layers[index]!;
    let model = this.models.get(index);
    if (!model) {
      model = load(this.blob(layer.model!).slice());
      this.models.set(index, model);
    }
    const feeds: Record<string, Tensor> = {};
    for (const input of layer.inputs) {
      const value = values.get(input);
      if (value === undefined) throw internal(`layer "${layer.name}" input ${this.header.tensors[input]!.name} has no value`);
      feeds[this.header.tensors[input]!.name] = value;
    }
    const results = await evaluate(await model, feeds);
    for (const output of layer.outputs) {
      const result = results[this.header.tensors[output]!.name];
      if (result === undefined) throw internal(`layer "${layer.name}" did not produce ${this.header.tensors[output]!.name}`);
      values.set(output, result);
    }
  }
}

function internal(message: string): KilnError {
  return new KilnError('ERR_INTERNAL', `Kiln runtime error: ${message}.`, { hint: 'This is a Kiln bug; please report it with the plan.' });
}
