import type { CopyFields } from './copy.js';
import type { BaseNode } from './node.js';

/** `ADD [--checksum=...] [--keep-git-dir] [--unpack=...] [COPY's flags] src... dest` */
export interface AddNode extends BaseNode<'add'>, CopyFields {
  readonly checksum?: string | undefined;
  readonly keepGitDir?: boolean | undefined;
  readonly unpack?: boolean | undefined;
}
