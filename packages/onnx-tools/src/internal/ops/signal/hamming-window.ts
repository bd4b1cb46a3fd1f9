// HammingWindow: 25/46 - 21/46 cos(2 pi n / N).
import { cosineWindowOp } from '../util/window.js';

export const op = cosineWindowOp('HammingWindow', [25 / 46, -21 / 46]);
