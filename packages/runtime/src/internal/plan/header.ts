import { KilnError } from '@kiln/common';
import { corrupt } from './errors.js';
import { PLAN_ALIGNMENT, PLAN_FORMAT_VERSION } from './format.js';

/** Where a prepacked weight blob lives inside the weight section. */
export interface PlanWeight {
  name: string;
  offset: number;
  byteLength: number;
}

/** What the plan's tactics need from the CPU, checked on load. */
export interface PlanTarget {
  /** Highest kernel ISA any tactic uses (`scalar`, `avx2`, `avx512`, `avx512vnni`, `avx512bf16`, `avx512fp16`, `amx`). */
  isa: string;
  /** CPU features the tactics need, as `cpuFeatures()` names them (e.g. `avx512f`). */
  features: string[];
}

/** The semantic part of a plan header that the runtime checks before anything else. */
export interface PlanHeaderBase {
  kilnVersion: string;
  target: PlanTarget;
  weights: PlanWeight[];
}

/** Check the plan-format and Kiln versions: a mismatch is not corruption, so it gets its own code. */
export function checkVersions(formatVersion: number, header: unknown, runtimeVersion: string): void {
  if (formatVersion !== PLAN_FORMAT_VERSION) {
    throw new KilnError('ERR_PLAN_VERSION', 'The plan was written in a plan-file format this runtime does not read.', {
      expected: `plan format ${PLAN_FORMAT_VERSION} (Kiln ${runtimeVersion})`,
      found: `plan format ${formatVersion}`,
      hint: `Rebuild the plan with Kiln ${runtimeVersion} (\`kiln build --onnx=... --saveEngine=...\`), or load it with the Kiln version that built it.`,
    });
  }
  const found = isObject(header) && typeof header.kilnVersion === 'string' ? header.kilnVersion : undefined;
  if (found === undefined) throw corrupt('header has no Kiln version', 'a "kilnVersion" string', describe(header));
  if (found !== runtimeVersion) {
    throw new KilnError('ERR_PLAN_VERSION', 'The plan was built by another Kiln version; plans load only in the exact version that built them.', {
      expected: `Kiln ${runtimeVersion}`,
      found: `Kiln ${found}`,
      hint: `Rebuild the plan with Kiln ${runtimeVersion}, or install @kiln/runtime@${found} to run it.`,
    });
  }
}

/** Check the structural fields every plan has; every weight lies inside the weight section, aligned. */
export function checkHeaderBase(header: unknown, weightBytes: number): PlanHeaderBase {
  if (!isObject(header)) throw corrupt('header is not an object', 'a JSON object', describe(header));
  const target = header.target;
  if (!isObject(target) || typeof target.isa !== 'string' || !isStringArray(target.features)) {
    throw corrupt('header.target is malformed', '{ isa: string, features: string[] }', describe(target));
  }
  if (!Array.isArray(header.weights)) throw corrupt('header.weights is malformed', 'an array', describe(header.weights));
  const names = new Set<string>();
  for (const [index, weight] of header.weights.entries()) {
    const where = `header.weights[${index}]`;
    if (!isObject(weight) || typeof weight.name !== 'string' || !isCount(weight.offset) || !isCount(weight.byteLength)) {
      throw corrupt(`${where} is malformed`, '{ name: string, offset: integer >= 0, byteLength: integer >= 0 }', describe(weight));
    }
    if (weight.offset % PLAN_ALIGNMENT !== 0) throw corrupt(`${where} is not 64-byte aligned`, 'an offset that is a multiple of 64', String(weight.offset));
    if (weight.offset + weight.byteLength > weightBytes) {
      throw corrupt(`${where} ("${weight.name}") runs past the weight section`, `offset + byteLength <= ${weightBytes}`, `${weight.offset} + ${weight.byteLength}`);
    }
    if (names.has(weight.name)) throw corrupt(`${where} repeats the weight name "${weight.name}"`, 'unique names', weight.name);
    names.add(weight.name);
  }
  return header as unknown as PlanHeaderBase;
}

/** Refuse a plan whose tactics need CPU features this machine lacks. */
export function checkHardware(target: PlanTarget, available: Readonly<Record<string, boolean>>): void {
  const missing = target.features.filter((feature) => available[feature] !== true);
  if (missing.length === 0) return;
  const present = Object.keys(available).filter((feature) => available[feature] === true);
  throw new KilnError('ERR_PLAN_HARDWARE', 'The plan was built for a CPU with features this machine does not have.', {
    expected: `CPU features ${target.features.join(', ')} (kernel ISA ${target.isa})`,
    found: `missing ${missing.join(', ')}; this CPU has ${present.join(', ') || 'only the x86-64 baseline'}`,
    hint: 'Rebuild the plan on this machine, or build it for the lowest common CPU with KILN_MAX_ISA set (e.g. KILN_MAX_ISA=avx2).',
  });
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function describe(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
