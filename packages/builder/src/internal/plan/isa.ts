/** CPU features (as `cpuFeatures()` names them) a tactic of each ISA level needs. */
const FEATURES: Record<string, string[]> = {
  scalar: [],
  avx2: ['avx2', 'fma', 'f16c'],
  avx512: ['avx2', 'fma', 'f16c', 'avx512f', 'avx512bw', 'avx512vl', 'avx512dq'],
  avx512vnni: ['avx2', 'fma', 'f16c', 'avx512f', 'avx512bw', 'avx512vl', 'avx512dq', 'avx512vnni'],
  avx512bf16: ['avx2', 'fma', 'f16c', 'avx512f', 'avx512bw', 'avx512vl', 'avx512dq', 'avx512vnni', 'avx512bf16'],
  avx512fp16: ['avx2', 'fma', 'f16c', 'avx512f', 'avx512bw', 'avx512vl', 'avx512dq', 'avx512vnni', 'avx512bf16', 'avx512fp16'],
  amx: ['avx2', 'fma', 'f16c', 'avx512f', 'avx512bw', 'avx512vl', 'avx512dq', 'avx512vnni', 'avx512bf16', 'avx512fp16', 'amxTile', 'amxInt8', 'amxBf16'],
};
const ORDER = ['scalar', 'avx2', 'avx512', 'avx512vnni', 'avx512bf16', 'avx512fp16', 'amx'];

/** The ISA level a tactic id names (`f32_gemm_14x32__avx512` → `avx512`; none → scalar). */
export function tacticIsa(tactic: string): string {
  const suffix = tactic.includes('__') ? tactic.slice(tactic.lastIndexOf('__') + 2) : 'scalar';
  return ORDER.includes(suffix) ? suffix : 'scalar';
}

/** Highest ISA and the union of features a list of tactics needs. */
export function targetOf(tactics: readonly string[]): { isa: string; features: string[] } {
  let level = 0;
  for (const tactic of tactics) level = Math.max(level, ORDER.indexOf(tacticIsa(tactic)));
  const isa = ORDER[level]!;
  return { isa, features: [...FEATURES[isa]!] };
}
