// The raw shape of the native addon (build/Release/kiln.node). Internal: the public API in
// src/index.ts wraps it with KilnErrors and docs.
import type { CpuFeatures, EngineDescription, Isa, KernelInfo, NativeProgram } from './types.js';

export interface RawContext {
  run(inputs: ArrayBufferView[], outputs: ArrayBufferView[]): Promise<void>;
  runSync(inputs: ArrayBufferView[], outputs: ArrayBufferView[]): void;
  busy(): boolean;
  setProfiling(enabled: boolean): void;
  lastProfile(): Float64Array | undefined;
}

export interface RawEngine {
  createContext(): RawContext;
  describe(): EngineDescription;
}

export interface NativeAddon {
  version(): string;
  cpuFeatures(): CpuFeatures;
  detectedIsa(): Isa;
  maxIsa(): Isa;
  setIsaCap(isa: Isa): Isa;
  getThreads(): number;
  setThreads(threads: number): void;
  availableCores(): number;
  kernels(): KernelInfo[];
  packWeights(tactic: string, shape: number[], weights: Float32Array, options?: { weightScales?: Float32Array; inputScale?: number; inputZeroPoint?: number }): Float32Array;
  alignedBytes(bytes: Uint8Array): Uint8Array;
  checksum(bytes: Uint8Array): number;
  createEngine(program: NativeProgram, weights: ArrayBuffer | ArrayBufferView | undefined, copyWeights: boolean): RawEngine;
}
