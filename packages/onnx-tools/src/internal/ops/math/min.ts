// Min: element-wise minimum of any number of broadcast inputs.
import { variadicOp } from '../util/binary.js';
import { minBinary } from '../util/min-max.js';

export const op = variadicOp('Min', 8, minBinary);
