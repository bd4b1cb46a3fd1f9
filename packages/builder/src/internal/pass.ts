import type { Graph, Model, Node } from '@kiln/onnx-tools';

/** One entry of the build log: what a pass did, TensorRT style (`Fused: conv1 + bn1 + relu1`). */
export interface BuildLogEntry {
  pass: string;
  message: string;
}

/** State shared by the passes of one build. */
export class PassContext {
  readonly log: BuildLogEntry[] = [];
  /** ONNX node names each (possibly fused) node stands for. */
  private readonly sourceNames = new WeakMap<Node, string[]>();
  private counter = 0;
  /** The pass running now, for log entries and verifier messages. */
  currentPass = '';

  constructor(
    public model: Model,
    readonly options: { verify: boolean; foldSizeThreshold: number; optimizationLevel: number; reducedPrecision?: boolean },
  ) {}

  /** The ONNX nodes a node stands for (itself, for an unfused node). */
  sources(node: Node): string[] {
    return this.sourceNames.get(node) ?? [node.name || `${node.op}_${node.outputs[0]?.name ?? ''}`];
  }

  /** Record that `fused` replaces `covered`, and log it. */
  fused(fused: Node, covered: readonly Node[]): void {
    const names = covered.flatMap((node) => this.sources(node));
    this.sourceNames.set(fused, names);
    this.note(`Fused: ${names.join(' + ')}`);
  }

  /** `replacement` stands for the same ONNX nodes as `original` (a node rewritten in place). */
  replaced(original: Node, replacement: Node): void {
    this.sourceNames.set(replacement, this.sources(original));
  }

  note(message: string): void {
    this.log.push({ pass: this.currentPass, message });
  }

  /** A tensor or node name not used anywhere in the graph yet. */
  freshName(graph: Graph, base: string): string {
    const taken = graph.tensors();
    const nodes = new Set(graph.nodes.map((node) => node.name));
    for (;;) {
      const name = `${base}__kiln${this.counter++}`;
      if (!taken.has(name) && !nodes.has(name)) return name;
    }
  }
}

/** A builder pass. Passes run in the order of `pipeline.ts`. */
export interface Pass {
  name: string;
  run(graph: Graph, context: PassContext): void | Promise<void>;
}
