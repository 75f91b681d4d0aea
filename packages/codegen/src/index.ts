/** Dockerfiles to dockwright TypeScript: `dockwright import` uses it. */
export { importDockerfiles, tsString } from './generate.js';
export type { DockerfileInput, ImportResult } from './generate.js';
