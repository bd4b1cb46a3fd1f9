// BlackmanWindow: 0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N).
import { cosineWindowOp } from '../util/window.js';

export const op = cosineWindowOp('BlackmanWindow', [0.42, -0.5, 0.08]);
