export { KilnError, type KilnErrorDetails } from './errors.js';
export { FLAGS, readFlag, flagTable, type FlagName, type FlagSpec, type FlagKind } from './flags.js';
export { deprecate, type DeprecationNotice } from './deprecate.js';
export { seededRandom } from './random.js';
