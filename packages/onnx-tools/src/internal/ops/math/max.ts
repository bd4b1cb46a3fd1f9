// Max: element-wise maximum of any number of broadcast inputs.
import { variadicOp } from '../util/binary.js';
import { maxBinary } from '../util/min-max.js';

export const op = variadicOp('Max', 8, maxBinary);
