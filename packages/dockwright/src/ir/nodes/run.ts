import type { Text } from '../text.js';
import type { ExecForm, ScriptForm, ShellForm } from './command.js';
import type { RefersTo } from './from.js';
import type { BaseNode } from './node.js';

export interface BindMount {
  readonly type: 'bind';
  readonly target: Text;
  readonly source?: Text | undefined;
  /** Stage name, image reference or named context. */
  readonly from?: Text | undefined;
  /** `'image'` when the builder was given a string for `from` (see `FromNode.imageRefersTo`). */
  readonly fromRefersTo?: RefersTo | undefined;
  readonly readwrite?: boolean | undefined;
}

export interface CacheMount {
  readonly type: 'cache';
  readonly target: Text;
  readonly id?: Text | undefined;
  readonly readonly?: boolean | undefined;
  readonly sharing?: 'shared' | 'private' | 'locked' | undefined;
  readonly from?: Text | undefined;
  readonly fromRefersTo?: RefersTo | undefined;
  readonly source?: Text | undefined;
  readonly mode?: string | undefined;
  readonly uid?: number | undefined;
  readonly gid?: number | undefined;
}

export interface TmpfsMount {
  readonly type: 'tmpfs';
  readonly target: Text;
  readonly size?: string | undefined;
}

export interface SecretMount {
  readonly type: 'secret';
  readonly id?: Text | undefined;
  readonly target?: Text | undefined;
  readonly env?: string | undefined;
  readonly required?: boolean | undefined;
  readonly mode?: string | undefined;
  readonly uid?: number | undefined;
  readonly gid?: number | undefined;
}

export interface SshMount {
  readonly type: 'ssh';
  readonly id?: Text | undefined;
  readonly target?: Text | undefined;
  readonly required?: boolean | undefined;
  readonly mode?: string | undefined;
  readonly uid?: number | undefined;
  readonly gid?: number | undefined;
}

export type Mount = BindMount | CacheMount | TmpfsMount | SecretMount | SshMount;

/** `RUN [--mount=...] [--network=...] [--security=...] command` */
export interface RunNode extends BaseNode<'run'> {
  readonly command: ShellForm | ExecForm | ScriptForm;
  readonly mounts: readonly Mount[];
  readonly network?: 'default' | 'none' | 'host' | undefined;
  readonly security?: 'sandbox' | 'insecure' | undefined;
}
