/** Dockerfiles to dockwright TypeScript: `dockwright import` uses it. */
export { importDockerfiles } from './generate.js';
export { tsString } from './code.js';
export type { DockerfileInput, ImportResult } from './generate.js';
