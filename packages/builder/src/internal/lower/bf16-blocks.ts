import { type Bf16Forms, type Bf16Network, bf16Forms, changedLayers, fastestFp32, isBf16Conv, type LayerForm, tacticIn, type TimeAlternatives } from './bf16-forms.js';
import { blockLayer, type Chain, invertedResidualChains } from './fuse-inverted-residual.js';
import type { LoweredLayer } from './types.js';

/** A bf16 network whose depthwise set a decision may shrink. @internal */
export type MutableBf16Network = Bf16Network & { depthwise: Set<LoweredLayer> };

/**
 * Decides whole inverted-residual blocks between bf16 and fp32, after decideBf16Convs. That
 * decision weighs each conv alone, against its fp32 tactic run as a separate layer; but an fp32
 * block fuses into one `f32_mbconv` layer (the expanded tensor never goes to memory), and on
 * blocks whose 1x1 convs have few channels (MobileNetV2's early, high-resolution ones) that fused
 * fp32 layer beats the bf16 block, fused or not: the bf16 GEMMs' gain is small at K = 16-32 and
 * the depthwise conv gains nothing. For each chain with a conv on a bf16 tactic (`promoted`: conv
 * → its fp32 tactic) this times, as one program each, interleaved:
 * - bf16: the block as it would run (one `bf16_mbconv` layer when the whole chain is bf16 and a
 *   kernel takes it; its layers otherwise) with the layers whose form the choice changes;
 * - fp32: the block as one `f32_mbconv` layer (its convs on their fp32 tactics, its tensors
 *   fp32), with those layers in their fp32-block forms (a producer that then writes fp32, a reader
 *   that then reads it).
 * A block that is faster in fp32 goes back there: its convs take their fp32 tactics and leave
 * `promoted`, its depthwise conv leaves `network.depthwise`; fuseInvertedResiduals then fuses it
 * as fp32. Chains are decided in layer order, each with the earlier ones' choices. `select` picks
 * a fused layer's tactic (false: no kernel takes it). Returns whether a block went back.
 *
 * @internal
 */
export function decideBf16Blocks(network: MutableBf16Network, promoted: Map<LoweredLayer, string>, select: (layer: LoweredLayer) => boolean, time: TimeAlternatives, log: (line: string) => void): boolean {
  let changed = false;
  const taken = new Set<LoweredLayer>();
  for (const chain of invertedResidualChains(network.layers, network.graphOutputs, taken, false)) {
    const parts = partsOf(chain);
    for (const part of parts) taken.add(part);
    const fp32 = new Map(parts.flatMap((part) => {
      const tactic = isBf16Conv(part) ? (promoted.get(part) ?? fastestFp32(part)) : undefined;
      return tactic ? [[part, tactic] as const] : [];
    }));
    const convs = [...fp32.keys()];
    if (convs.length === 0) continue;
    const now = bf16Forms(network);
    const wideNetwork: Bf16Network = { ...network, depthwise: new Set([...network.depthwise].filter((layer) => layer !== chain.depthwise.layer)) };
    const wide = withTactics(fp32, () => bf16Forms(wideNetwork));
    const fp32Block = blockLayer(chain, 'fp32');
    if (!fp32Block || !select(fp32Block)) continue;
    const bf16Block = isBf16Chain(chain, parts, now) ? blockLayer(chain, 'bf16') : undefined;
    const fusedBf16 = bf16Block && select(bf16Block) ? bf16Block : undefined;
    const neighbours = changedLayers(network.layers, parts, [network, now], [wideNetwork, wide]);
    const steps = (forms: Bf16Forms, within: Bf16Network, block: LoweredLayer | undefined): LayerForm[] =>
      network.layers.flatMap((layer) => {
        if (neighbours.includes(layer)) return [{ layer, tactic: tacticIn(within, forms, layer)!, bf16: forms.bf16 }];
        if (!parts.includes(layer)) return [];
        if (block) return layer === chain.project.layer ? [{ layer: block, tactic: block.tactic!, bf16: forms.bf16 }] : [];
        return [{ layer, tactic: tacticIn(within, forms, layer)!, bf16: forms.bf16 }];
      });
    const [bf16Ms, fp32Ms] = time([steps(now, network, fusedBf16), steps(wide, wideNetwork, fp32Block)]);
    const back = fp32Ms !== undefined && (bf16Ms === undefined || fp32Ms < bf16Ms);
    log(`Precision: inverted residual ${fp32Block.name}: bf16${fusedBf16 ? ` (${fusedBf16.tactic})` : ''} ${msOf(bf16Ms)}, fp32 fused (${fp32Block.tactic}) ${msOf(fp32Ms)} (${neighbours.length} neighbours): ${back ? 'fp32' : 'bf16'}`);
    if (!back) continue;
    for (const [conv, tactic] of fp32) {
      conv.tactic = tactic;
      promoted.delete(conv);
    }
    network.depthwise.delete(chain.depthwise.layer);
    changed = true;
  }
  return changed;
}

function partsOf(chain: Chain): LoweredLayer[] {
  return [chain.expand?.layer, chain.depthwise.layer, chain.project.layer].filter((layer): layer is LoweredLayer => layer !== undefined);
}

/** Whether the chain runs wholly in bf16 with these forms: its 1x1 convs on bf16 tactics, its depthwise conv and inner tensors bf16. */
function isBf16Chain(chain: Chain, parts: readonly LoweredLayer[], forms: Bf16Forms): boolean {
  const pointwise = parts.filter((part) => part !== chain.depthwise.layer);
  return pointwise.every(isBf16Conv) && forms.depthwise.has(chain.depthwise.layer) && parts.slice(0, -1).every((part) => forms.bf16.has(part.outputs[0]!));
}

/** Runs `body` with each conv on its tactic in `tactics`, then puts their tactics back. */
function withTactics<T>(tactics: ReadonlyMap<LoweredLayer, string>, body: () => T): T {
  const current = [...tactics.keys()].map((conv) => conv.tactic);
  for (const [conv, tactic] of tactics) conv.tactic = tactic;
  try {
    return body();
  } finally {
    [...tactics.keys()].forEach((conv, i) => {
      conv.tactic = current[i];
    });
  }
}

const msOf = (ms: number | undefined) => (ms === undefined ? 'rejected' : `${ms.toFixed(4)} ms`);
