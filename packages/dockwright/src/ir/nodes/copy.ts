import type { Text } from '../text.js';
import type { Heredoc } from './command.js';
import type { RefersTo } from './from.js';
import type { BaseNode } from './node.js';

/** Flags and operands shared by COPY and ADD. */
export interface CopyFields {
  /** Paths in the context or the `from` stage; empty when `inline` content is given. */
  readonly sources: readonly Text[];
  /** File content written inline as a heredoc (`COPY <<'EOF' /dest`). */
  readonly inline?: string | undefined;
  /** The inline content's heredoc: its word (with a destination folder, the file's name), and whether Docker expands variables in it. */
  readonly heredoc?: Heredoc | undefined;
  readonly dest: Text;
  readonly chown?: Text | undefined;
  readonly chmod?: Text | undefined;
  readonly link?: boolean | undefined;
  readonly parents?: boolean | undefined;
  readonly exclude: readonly Text[];
}

/** `COPY [--from=...] [--chown=...] [--chmod=...] [--link] [--parents] [--exclude=...] src... dest` */
export interface CopyNode extends BaseNode<'copy'>, CopyFields {
  /** Stage name, image reference or named context. */
  readonly from?: Text | undefined;
  /** `'image'` when the builder was given a string for `from` (see `FromNode.imageRefersTo`). */
  readonly fromRefersTo?: RefersTo | undefined;
}
