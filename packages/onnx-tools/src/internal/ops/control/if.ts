// If: run then_branch or else_branch by the condition; outer-scope values are visible.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { graphAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

async function ifOp(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Promise<(Tensor | undefined)[]> {
  const condition = toNumbers(requireInput(context, inputs, 0))[0];
  const branch = graphAttr(attributes, condition ? 'then_branch' : 'else_branch');
  if (branch === undefined) throw evaluateError(context, 'branch graph missing');
  return context.runGraph(branch, new Map());
}

export const op = defineOp('If', 1, ifOp);
