/** The dockwright command line as a library: `run(argv, io)` returns the exit code. */
export { run } from './program.js';
export type { Io, Output } from './io.js';
export { ExitCode } from './exit-codes.js';
export { loadDefinitions } from './definitions.js';
export type { DefinedImage, Definitions } from './definitions.js';
export { generatedFrom, isGenerated, refuseUnowned, withBanner, writeGenerated } from './output.js';
