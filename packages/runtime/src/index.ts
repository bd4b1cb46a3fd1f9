// Public surface of @kiln/runtime. Internals live under src/internal/.
export { Runtime, type RuntimeOptions } from './runtime.js';
export { Engine, type EngineTensor, type EngineInspection, type LayerInfo } from './engine.js';
export { ExecutionContext, type LayerProfile, type RunOptions } from './context.js';
export type { Tensor, TensorType } from '@kiln/onnx-tools';
export { encodePlan, PLAN_FORMAT_VERSION, PLAN_ALIGNMENT } from './internal/plan/format.js';
export type { PlanHeader, PlanTensor, PlanLayer, PlanIo, PlanProfile, PlanDim, PlanLocation } from './internal/plan/schema.js';
export type { PlanWeight, PlanTarget } from './internal/plan/header.js';
export { compileDim, dimSymbols, type DimExpression } from './internal/shapes/dim-expr.js';
