/**
 * Liveness-based arena planning: tensors whose lifetimes do not overlap share bytes.
 *
 * Each buffer is live from the step that writes it (`firstUse`) to the last step that reads it
 * (`lastUse`), inclusive. Buffers are placed largest first, each at the lowest 64-byte aligned
 * offset that does not collide with an already placed buffer whose lifetime overlaps
 * ("greedy by size", as TFLite's arena planner). O(n²) in the number of buffers, which is the
 * number of activation tensors — thousands at most.
 */
export interface BufferUse {
  id: number;
  byteLength: number;
  firstUse: number;
  lastUse: number;
}

export interface MemoryPlan {
  /** Arena offset per buffer id. */
  offsets: Map<number, number>;
  /** Bytes the arena needs: the peak of the plan. */
  arenaBytes: number;
  /** Sum of every buffer's size: what the arena would need without sharing. */
  totalBytes: number;
}

export const ARENA_ALIGNMENT = 64;

export function planMemory(buffers: readonly BufferUse[], alignment = ARENA_ALIGNMENT): MemoryPlan {
  const order = [...buffers].sort((a, b) => b.byteLength - a.byteLength || a.firstUse - b.firstUse || a.id - b.id);
  const placed: { use: BufferUse; offset: number; end: number }[] = [];
  const offsets = new Map<number, number>();
  let arenaBytes = 0;
  let totalBytes = 0;
  for (const use of order) {
    if (use.lastUse < use.firstUse) throw new RangeError(`buffer ${use.id}: lastUse ${use.lastUse} < firstUse ${use.firstUse}`);
    totalBytes += use.byteLength;
    const size = alignUp(use.byteLength, alignment);
    const clashes = placed
      .filter((other) => other.use.firstUse <= use.lastUse && use.firstUse <= other.use.lastUse)
      .sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const other of clashes) {
      if (offset + size <= other.offset) break;
      offset = Math.max(offset, other.end);
    }
    placed.push({ use, offset, end: offset + size });
    offsets.set(use.id, offset);
    arenaBytes = Math.max(arenaBytes, offset + size);
  }
  return { offsets, arenaBytes, totalBytes };
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}
