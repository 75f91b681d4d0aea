import type { CommandForm } from './command.js';
import type { BaseNode } from './node.js';

/** `HEALTHCHECK [options] CMD command` or `HEALTHCHECK NONE`. Durations are Go durations (`30s`). */
export interface HealthcheckNode extends BaseNode<'healthcheck'> {
  /** `undefined` means `HEALTHCHECK NONE`. */
  readonly test: CommandForm | undefined;
  readonly interval?: string | undefined;
  readonly timeout?: string | undefined;
  readonly startPeriod?: string | undefined;
  readonly startInterval?: string | undefined;
  readonly retries?: number | undefined;
  /** Kept where a file had it, though a later one in the stage takes effect (`$overridden`). */
  readonly overridden?: boolean | undefined;
}
