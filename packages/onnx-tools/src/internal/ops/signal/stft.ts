// STFT: the short-time Fourier transform of signal [batch, length, 1 or 2]: frames of
// frame_length samples every frame_step, each multiplied by the window, then a DFT per frame.
// Output [batch, frames, bins, 2], bins = frame_length / 2 + 1 when onesided.
import { intAttr, readInts, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { asComplex, dftAlongAxis } from '../util/dft.js';
import { expectType, FLOAT_TYPES, fromNumbers, toNumbers } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

export const op = defineOp('STFT', 17, (inputs, attributes, context) => {
  const x = requireInput(context, inputs, 0);
  expectType(context, x, FLOAT_TYPES);
  const step = readInts(requireInput(context, inputs, 1))[0]!;
  const window = inputs[2] && inputs[2].data.length > 0 ? toNumbers(inputs[2]) : undefined;
  const frameLength = inputs[3] && inputs[3].data.length > 0 ? readInts(inputs[3])[0]! : window?.length;
  if (x.dims.length !== 3 || frameLength === undefined || step < 1 || (window && window.length !== frameLength)) {
    throw evaluateError(context, 'needs signal [batch, length, 1 or 2], frame_step >= 1 and a window or frame_length', {
      found: `signal [${x.dims.join(', ')}], frame_step ${step}, window ${window?.length ?? 'none'}, frame_length ${frameLength ?? 'none'}`,
    });
  }
  const signal = asComplex(toNumbers(x), x.dims);
  const [batch, length] = signal.dims as [number, number];
  const frames = Math.floor((length - frameLength) / step) + 1;
  const framed = new Float64Array(batch * frames * frameLength * 2);
  for (let b = 0; b < batch; b++)
    for (let f = 0; f < frames; f++)
      for (let n = 0; n < frameLength; n++) {
        const w = window ? window[n]! : 1;
        const from = (b * length + f * step + n) * 2;
        const to = ((b * frames + f) * frameLength + n) * 2;
        framed[to] = signal.values[from]! * w;
        framed[to + 1] = signal.values[from + 1]! * w;
      }
  const onesided = intAttr(attributes, 'onesided', 1) === 1;
  const result = dftAlongAxis(framed, [batch, frames, frameLength], 2, frameLength, false, onesided);
  return [fromNumbers(x.type, [...result.dims, 2], result.values)];
});
