// Public surface of @kiln/builder. Internals live under src/internal/.
export { Builder, buildEngine, buildSerializedNetwork, type BuildEngineOptions } from './build.js';
export { BuilderConfig, type BuildProgress, type OptimizationProfile, type ShapeRange, type ProfilingVerbosity, type Precision, type PrecisionConstraints, type Int8Calibration } from './config.js';
export { NetworkDefinition, type NetworkTensor, type ActivationType, type ElementwiseOperation, type ConvolutionOptions, type PoolingOptions, type ShuffleOptions } from './network.js';
export { OnnxParser, type UnsupportedNode } from './parser.js';
export { int8Sensitivity, type Int8SensitivityOptions, type Int8SensitivityResult, type LayerSensitivity } from './sensitivity.js';
