import type { Tensor } from '@kiln/onnx-tools';
import type { PlanIo } from '../plan/schema.js';
import { TYPED_ARRAYS, elementCount } from './dtypes.js';

/**
 * The input dims of a context's last checked run and the specialization they selected. A run
 * whose feeds are valid tensors of exactly those dims (the usual case: a stream of same-shaped
 * inputs) reuses it without binding symbols, evaluating dims or building strings; anything else
 * takes the fully checked path, which also produces the errors.
 *
 * It matters because a run's JavaScript starts cold: the inference before it has evicted the
 * caches, and the checked path's maps, closures and keys then cost tens of microseconds, a
 * visible share of a one-millisecond inference.
 */
export class FeedCache<S> {
  private dims: number[][] = [];
  private counts: number[] = [];
  private profile = -1;
  private specialization: S | undefined;

  constructor(private readonly inputs: readonly PlanIo[]) {}

  /** The remembered specialization and the feeds as tensors, or undefined when they do not match. */
  match(feeds: Record<string, Tensor>, profile: number): { specialization: S; values: Map<number, Tensor> } | undefined {
    const specialization = this.specialization;
    if (specialization === undefined || profile !== this.profile) return undefined;
    // Every input present and no other key: the names are exactly the engine's.
    if (Object.keys(feeds).length !== this.inputs.length) return undefined;
    const values = new Map<number, Tensor>();
    for (let slot = 0; slot < this.inputs.length; slot++) {
      const io = this.inputs[slot]!;
      if (!Object.hasOwn(feeds, io.name)) return undefined;
      const feed = feeds[io.name] as { type?: unknown; dims?: unknown; data?: unknown } | undefined;
      if (typeof feed !== 'object' || feed === null || feed.type !== io.dtype) return undefined;
      const make = TYPED_ARRAYS[io.dtype];
      if (make === undefined || !(feed.data instanceof make) || feed.data.length !== this.counts[slot]) return undefined;
      const known = this.dims[slot]!;
      const dims = feed.dims;
      if (!Array.isArray(dims) || dims.length !== known.length) return undefined;
      for (let axis = 0; axis < known.length; axis++) if (dims[axis] !== known[axis]) return undefined;
      values.set(io.tensor, { type: io.dtype, dims: known, data: feed.data } as unknown as Tensor);
    }
    return { specialization, values };
  }

  /** Remember a run that passed the checked path: its dims (by input, in the engine's order). */
  remember(dims: readonly (readonly number[])[], profile: number, specialization: S): void {
    this.dims = dims.map((entry) => [...entry]);
    this.counts = this.dims.map(elementCount);
    this.profile = profile;
    this.specialization = specialization;
  }

  /** Forget the last run (input shapes were fixed anew). */
  clear(): void {
    this.specialization = undefined;
  }
}
