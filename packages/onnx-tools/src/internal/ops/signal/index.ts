// The signal ops (DFT, STFT, window functions, MelWeightMatrix): one file per op, each exporting its registration as `op`.
import type { OpRegistration } from '../contract.js';
import { op as blackmanWindow } from './blackman-window.js';
import { op as dft } from './dft.js';
import { op as hammingWindow } from './hamming-window.js';
import { op as hannWindow } from './hann-window.js';
import { op as melWeightMatrix } from './mel-weight-matrix.js';
import { op as stft } from './stft.js';

export const SIGNAL_OPS: readonly OpRegistration[] = [
  blackmanWindow, dft, hammingWindow, hannWindow, melWeightMatrix, stft,
];
