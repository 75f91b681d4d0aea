import type { CommandForm } from './command.js';
import type { BaseNode } from './node.js';

/** `ENTRYPOINT ["executable", "arg"]` or `ENTRYPOINT command` */
export interface EntrypointNode extends BaseNode<'entrypoint'> {
  readonly command: CommandForm;
  /** Kept where a file had it, though a later one in the stage takes effect (`$overridden`). */
  readonly overridden?: boolean | undefined;
}
