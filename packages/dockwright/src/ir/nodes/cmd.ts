import type { CommandForm } from './command.js';
import type { BaseNode } from './node.js';

/** `CMD ["executable", "arg"]` or `CMD command` */
export interface CmdNode extends BaseNode<'cmd'> {
  readonly command: CommandForm;
  /** Kept where a file had it, though a later one in the stage takes effect (`$overridden`). */
  readonly overridden?: boolean | undefined;
}
