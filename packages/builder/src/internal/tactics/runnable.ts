import { ISAS, kernels } from '@kiln/core-native';

/**
 * The tactic ids of a kernel family that this CPU runs, highest ISA first (each family lists its
 * variants fastest first within an ISA).
 *
 * @internal
 */
export function runnableTactics(family: string): string[] {
  return kernels()
    .filter((kernel) => kernel.runnable && kernel.family === family)
    .sort((a, b) => ISAS.indexOf(b.isa) - ISAS.indexOf(a.isa))
    .map((kernel) => kernel.name);
}
