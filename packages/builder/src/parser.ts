import fs from 'node:fs';
import { KilnError } from '@kiln/common';
import { type Model, type Node, load, supportsOp } from '@kiln/onnx-tools';
import { NetworkDefinition } from './network.js';

/** A node the builder cannot handle, as `supportsModel()` lists it. */
export interface UnsupportedNode {
  node: string;
  op: string;
  domain: string;
  opset: number;
  reason: string;
}

/**
 * Reads ONNX models into a {@link NetworkDefinition} (TensorRT's `IParser`).
 *
 * @example
 * ```ts
 * const network = new NetworkDefinition();
 * const parser = new OnnxParser(network);
 * await parser.parseFromFile('model.onnx');
 * const unsupported = parser.supportsModel();
 * if (unsupported.length > 0) console.error(unsupported);
 * ```
 */
export class OnnxParser {
  constructor(readonly network: NetworkDefinition = new NetworkDefinition()) {}

  /** Parse ONNX bytes; throws ERR_UNSUPPORTED_OP naming every node Kiln cannot run. */
  async parse(bytes: Uint8Array): Promise<NetworkDefinition> {
    const model = await load(bytes);
    return this.adopt(model);
  }

  /** Parse an ONNX file (external data next to it is read too). */
  async parseFromFile(path: string): Promise<NetworkDefinition> {
    if (!fs.existsSync(path)) {
      throw new KilnError('ERR_FILE', `ONNX model ${path} does not exist.`, { expected: 'a path to an .onnx file', found: path });
    }
    return this.adopt(await load(path));
  }

  /** Nodes (including those in subgraphs) that Kiln cannot build, with op, opset and reason. */
  supportsModel(model: Model = this.network.model): UnsupportedNode[] {
    const unsupported: UnsupportedNode[] = [];
    const visit = (nodes: readonly Node[]) => {
      for (const node of nodes) {
        const opset = model.opset(node.domain) ?? 0;
        const isFunction = model.findFunction(node.domain, node.op, node.overload) !== undefined;
        if (!isFunction && !supportsOp(node.domain, node.op, opset)) {
          unsupported.push({
            node: node.name,
            op: node.op,
            domain: node.domain || 'ai.onnx',
            opset,
            reason: node.domain && node.domain !== 'ai.onnx' && model.opset(node.domain) === undefined ? 'its domain is not imported by the model' : 'Kiln has no kernel or reference implementation for it',
          });
        }
        for (const graph of node.subgraphs()) visit(graph.nodes);
      }
    };
    visit(model.graph.nodes);
    return unsupported;
  }

  private adopt(model: Model): NetworkDefinition {
    const unsupported = this.supportsModel(model);
    if (unsupported.length > 0) {
      const list = unsupported.slice(0, 10).map((entry) => `${entry.domain}.${entry.op} (opset ${entry.opset}) in node '${entry.node}'`);
      throw new KilnError('ERR_UNSUPPORTED_OP', `The model uses ${unsupported.length} node(s) Kiln cannot run: ${list.join('; ')}${unsupported.length > 10 ? '; ...' : ''}.`, {
        expected: 'ONNX ops Kiln implements',
        found: list.join('; '),
        hint: 'Run `kiln inspect --onnx=<model>` to see every op; replace the op in the exporter or report it.',
      });
    }
    Object.assign(this.network, { model });
    return this.network;
  }
}
