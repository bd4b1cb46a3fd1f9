// HannWindow: 0.5 - 0.5 cos(2 pi n / N).
import { cosineWindowOp } from '../util/window.js';

export const op = cosineWindowOp('HannWindow', [0.5, -0.5]);
