import { kernels } from '@kiln/core-native';

/** Heuristic ISA order: a family's variants from the highest ISA this CPU runs down to scalar. */
const ISA_ORDER = ['amx', 'avx512fp16', 'avx512bf16', 'avx512vnni', 'avx512', 'avx2', 'scalar'];

/**
 * The tactic ids of a kernel family that this CPU runs, highest ISA first (each family lists its
 * variants fastest first within an ISA).
 *
 * @internal
 */
export function runnableTactics(family: string): string[] {
  return kernels()
    .filter((kernel) => kernel.runnable && kernel.family === family)
    .sort((a, b) => ISA_ORDER.indexOf(a.isa) - ISA_ORDER.indexOf(b.isa))
    .map((kernel) => kernel.name);
}
