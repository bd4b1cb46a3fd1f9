import type { EngineInspection } from '@kiln/runtime';
import type { LayerProfileReport } from '../profile.js';

/** Size of a node box and the gaps between them, in CSS pixels. */
export const NODE_WIDTH = 232;
export const NODE_HEIGHT = 66;
export const COLUMN_GAP = 28;
export const ROW_GAP = 46;
const MARGIN = 24;

type Dims = (number | string)[];

/** One box of the page's graph: an engine layer, or a graph input or output. */
export interface GraphNode {
  kind: 'layer' | 'input' | 'output';
  name: string;
  type: string;
  tactic: string;
  sources: string[];
  epilogue: string[];
  inputs: { name: string; dtype: string; dims: Dims }[];
  outputs: { name: string; dtype: string; dims: Dims }[];
  /** Index in `engine.inspect().layers` (layers only). */
  layer?: number;
  /** Average milliseconds per run from the profile, when one was given and names it. */
  ms?: number;
  level: number;
  x: number;
  y: number;
}

/** What the page draws: nodes with positions, edges `[from, to, tensor]`, and the canvas size. */
export interface GraphLayout {
  nodes: GraphNode[];
  edges: [number, number, string][];
  levels: number[][];
  width: number;
  height: number;
  node: { width: number; height: number; rowGap: number };
}

/**
 * Lay out an engine's layer graph top to bottom: each node's level is its longest path from a
 * graph input (plan layers are in topological order, so one pass suffices); within a level
 * nodes are ordered by the mean position of their producers (one barycentre sweep), which keeps
 * chains straight and crossings few. Linear in nodes plus edges: no layout library needed.
 */
export function layoutGraph(info: EngineInspection, profile?: LayerProfileReport): GraphLayout {
  const nodes: GraphNode[] = [];
  const edges: [number, number, string][] = [];
  const producer = new Map<string, number>();
  const times = new Map(profile?.layers.map((entry) => [entry.name, entry.averageMs]) ?? []);
  const blank = { tactic: '', sources: [], epilogue: [] };
  for (const io of info.inputs) {
    producer.set(io.name, nodes.length);
    nodes.push({ kind: 'input', name: io.name, type: 'Input', ...blank, inputs: [], outputs: [{ name: io.name, dtype: io.dtype, dims: io.dims }], level: 0, x: 0, y: 0 });
  }
  info.layers.forEach((layer, index) => {
    const id = nodes.length;
    let level = 0;
    for (const input of layer.inputs) {
      const from = producer.get(input.name);
      if (from === undefined) continue;
      edges.push([from, id, input.name]);
      level = Math.max(level, nodes[from]!.level + 1);
    }
    const ms = times.get(layer.name);
    nodes.push({
      kind: 'layer',
      name: layer.name,
      type: layer.type,
      tactic: layer.tactic,
      sources: [...layer.sources],
      epilogue: [...(layer.epilogue ?? [])],
      inputs: layer.inputs,
      outputs: layer.outputs,
      layer: index,
      ...(ms === undefined ? {} : { ms }),
      level,
      x: 0,
      y: 0,
    });
    for (const output of layer.outputs) producer.set(output.name, id);
  });
  for (const io of info.outputs) {
    const from = producer.get(io.name);
    const id = nodes.length;
    nodes.push({ kind: 'output', name: io.name, type: 'Output', ...blank, inputs: [{ name: io.name, dtype: io.dtype, dims: io.dims }], outputs: [], level: from === undefined ? 0 : nodes[from]!.level + 1, x: 0, y: 0 });
    if (from !== undefined) edges.push([from, id, io.name]);
  }
  return place(nodes, edges);
}

function place(nodes: GraphNode[], edges: [number, number, string][]): GraphLayout {
  const levels: number[][] = [];
  nodes.forEach((node, id) => (levels[node.level] ??= []).push(id));
  for (let level = 0; level < levels.length; level++) levels[level] ??= [];
  const parents = new Map<number, number[]>();
  for (const [from, to] of edges) parents.set(to, [...(parents.get(to) ?? []), from]);
  const slot = new Map<number, number>();
  const widest = Math.max(1, ...levels.map((ids) => ids.length));
  for (const ids of levels) {
    const barycentre = (id: number) => {
      const from = parents.get(id) ?? [];
      return from.length === 0 ? Number.POSITIVE_INFINITY : from.reduce((sum, parent) => sum + slot.get(parent)!, 0) / from.length;
    };
    const keyed = ids.map((id) => ({ id, key: barycentre(id) }));
    keyed.sort((a, b) => (a.key === b.key ? a.id - b.id : a.key - b.key));
    const offset = (widest - keyed.length) / 2;
    keyed.forEach(({ id }, position) => {
      slot.set(id, offset + position);
      const node = nodes[id]!;
      node.x = MARGIN + (offset + position) * (NODE_WIDTH + COLUMN_GAP);
      node.y = MARGIN + node.level * (NODE_HEIGHT + ROW_GAP);
    });
  }
  return {
    nodes,
    edges,
    levels,
    width: MARGIN * 2 + widest * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP,
    height: MARGIN * 2 + levels.length * (NODE_HEIGHT + ROW_GAP) - ROW_GAP,
    node: { width: NODE_WIDTH, height: NODE_HEIGHT, rowGap: ROW_GAP },
  };
}
