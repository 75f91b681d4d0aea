export { ErrorCode } from './codes.js';
export { DockwrightError, SynthError } from './errors.js';
