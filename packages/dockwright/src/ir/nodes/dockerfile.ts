import type { ArgNode } from './arg.js';
import type { BaseNode } from './node.js';
import type { StageNode } from './tree.js';

/** Parser directives; only these three exist. */
export interface Directives {
  readonly syntax?: string | undefined;
  readonly escape?: '\\' | '`' | undefined;
  /** As written after `# check=`, e.g. `skip=JSONArgsRecommended;error=true`. */
  readonly check?: string | undefined;
}

/** A whole Dockerfile: directives, global ARGs (before the first FROM), then the stages in order. */
export interface DockerfileNode extends BaseNode<'dockerfile'> {
  readonly directives: Directives;
  readonly globalArgs: readonly ArgNode[];
  readonly stages: readonly StageNode[];
}
