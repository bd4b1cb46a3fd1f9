// Scatter (opsets 9-10): the old name of ScatterElements.
import { defineOp } from '../util/define.js';
import { scatterElements } from './scatter-elements.js';

export const op = defineOp('Scatter', 9, scatterElements, 10);
