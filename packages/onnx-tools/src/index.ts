// Public surface of @kiln/onnx-tools. Internals live under src/internal/.
export type { Tensor, TensorType, TensorDataMap } from './tensor.js';
