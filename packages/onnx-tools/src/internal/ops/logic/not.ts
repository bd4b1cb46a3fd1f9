// Not: logical negation of a bool tensor.
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Not', 1, ['bool'], (v) => (v ? 0 : 1));
