export { ErrorCode } from './codes.js';
export { DockwrightError, ParseError, SynthError } from './errors.js';
