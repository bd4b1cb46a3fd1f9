import { type Isa, ISAS } from '@kiln/core-native';

/** CPU features (as `cpuFeatures()` names them) each ISA level adds to the level below it. */
const ADDS: Record<Isa, string[]> = {
  scalar: [],
  avx2: ['avx2', 'fma', 'f16c'],
  avx512: ['avx512f', 'avx512bw', 'avx512vl', 'avx512dq'],
  avx512vnni: ['avx512vnni'],
  avx512bf16: ['avx512bf16'],
  avx512fp16: ['avx512fp16'],
  amx: ['amxTile', 'amxInt8', 'amxBf16'],
};

const isIsa = (name: string): name is Isa => (ISAS as readonly string[]).includes(name);

/** The ISA level a tactic id names (`f32_gemm_14x32__avx512` → `avx512`; none → scalar). */
export function tacticIsa(tactic: string): Isa {
  const suffix = tactic.includes('__') ? tactic.slice(tactic.lastIndexOf('__') + 2) : 'scalar';
  return isIsa(suffix) ? suffix : 'scalar';
}

/** Highest ISA and the union of features a list of tactics needs. */
export function targetOf(tactics: readonly string[]): { isa: string; features: string[] } {
  let level = 0;
  for (const tactic of tactics) level = Math.max(level, ISAS.indexOf(tacticIsa(tactic)));
  // A level needs its own features and every lower level's.
  return { isa: ISAS[level]!, features: ISAS.slice(0, level + 1).flatMap((isa) => ADDS[isa]) };
}
