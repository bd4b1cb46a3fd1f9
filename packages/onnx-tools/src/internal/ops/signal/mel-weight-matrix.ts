// MelWeightMatrix: [dft_length / 2 + 1, num_mel_bins] triangular filters, evenly spaced on the
// mel scale between lower_edge_hertz and upper_edge_hertz, that map a spectrogram to mel bins.
import { intAttr, readInts, requireInput, scalarInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { fromNumbers, typeFromOnnx } from '../util/dtype.js';
import { evaluateError } from '../util/errors.js';

export const op = defineOp('MelWeightMatrix', 17, (inputs, attributes, context) => {
  const melBins = readInts(requireInput(context, inputs, 0))[0]!;
  const dftLength = readInts(requireInput(context, inputs, 1))[0]!;
  const sampleRate = readInts(requireInput(context, inputs, 2))[0]!;
  const lower = scalarInput(inputs, 3, 0);
  const upper = scalarInput(inputs, 4, 0);
  const type = typeFromOnnx(intAttr(attributes, 'output_datatype', 1));
  if (!type || melBins < 1 || dftLength < 1 || sampleRate < 1 || !(lower < upper)) {
    throw evaluateError(context, 'needs positive bin counts and sample rate and lower_edge_hertz < upper_edge_hertz', {
      found: `num_mel_bins ${melBins}, dft_length ${dftLength}, sample_rate ${sampleRate}, edges ${lower}..${upper}`,
    });
  }
  const spectrogramBins = Math.floor(dftLength / 2) + 1;
  // The edges in mel are computed in float32 (the reference's precision for float32 inputs), the
  // rest in float64; bins sit on floor() boundaries, so the difference shows.
  const f = Math.fround;
  const toMel = (hz: number) => f(2595 * f(Math.log10(f(1 + f(hz / 700)))));
  const lowMel = toMel(lower);
  // As the ONNX reference does, the mel range is divided by the edge count (num_mel_bins + 2),
  // so the last edge stops short of upper_edge_hertz.
  const melStep = f(f(toMel(upper) - lowMel) / (melBins + 2));
  // Edges of the triangles, as spectrogram bin indices.
  const edges = Array.from({ length: melBins + 2 }, (_, i) => {
    const hz = 700 * (10 ** ((i * melStep + lowMel) / 2595) - 1);
    return Math.floor(((dftLength + 1) * hz) / sampleRate);
  });
  const out = new Float64Array(spectrogramBins * melBins);
  for (let i = 0; i < melBins; i++) {
    const [low, center, high] = [edges[i]!, edges[i + 1]!, edges[i + 2]!];
    if (center === low) out[center * melBins + i] = 1;
    else for (let j = low; j <= center; j++) out[j * melBins + i] = (j - low) / (center - low);
    for (let j = center; j < high; j++) out[j * melBins + i] = (high - j) / (high - center);
  }
  return [fromNumbers(type, [spectrogramBins, melBins], out)];
});
