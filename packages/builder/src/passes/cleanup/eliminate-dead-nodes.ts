import type { Pass } from '../../internal/pass.js';

/** Drop nodes, initializers and tensors that do not contribute to any graph output. */
export const eliminateDeadNodes: Pass = {
  name: 'eliminate-dead-nodes',
  run(graph, context) {
    const before = graph.nodes.length;
    graph.cleanup();
    if (graph.nodes.length < before) context.note(`Removed ${before - graph.nodes.length} dead node(s)`);
  },
};
