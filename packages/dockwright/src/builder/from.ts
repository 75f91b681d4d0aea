import { capturesSourceMapped, linkAtCapture } from './call-sites.js';
import { type Capture, capturedSite, endCapture, HOLDER, startCapture, V8Error } from './stack-frame.js';
import { startStage, StageImpl } from './impl.js';
import type { FromOptions } from './options.js';
import { argRefsOf, describe, invalidArgument, toText, type TextInput } from './refs.js';
import type { Stage, StageLike } from './stage.js';
import { triviaLines } from './trivia.js';

/**
 * Starts a stage from an image reference, or from another stage or image defined in code.
 *
 * @example
 * from('alpine').run('apk add redis').cmd(['redis-server'])
 * // FROM alpine
 * // RUN apk add redis
 * // CMD ["redis-server"]
 */
export function from(base: TextInput | StageLike, options?: FromOptions): Stage {
  // The caller's frame is captured here, in a frame that holds next to nothing: V8 reads back this
  // frame and every value live in it with the caller's (see stack-frame.ts). No user code runs
  // in a capture (V8 formats the stack when it is read), so Error's limit is put back as it is.
  const capture = startCapture(capturesSourceMapped());
  if (capture !== undefined) {
    V8Error.captureStackTrace!(HOLDER, from);
    endCapture(capture);
  }
  return fromCaptured(capture, base, options ?? {});
}

function fromCaptured(capture: Capture | undefined, base: TextInput | StageLike, options: FromOptions): Stage {
  const link = linkAtCapture(capture === undefined ? undefined : capturedSite(capture, from), 'from');
  const before = triviaLines(options.before, 'from() before');
  if (base instanceof StageImpl) {
    return startStage({ kind: 'stage', stage: base }, options.as, options.platform, link, before) as unknown as Stage;
  }
  if (base === undefined || base === null || (typeof base === 'object' && !('kind' in base))) {
    throw invalidArgument(`from() takes an image reference, a stage, or an expand\`...\` template; got ${describe(base)}`);
  }
  const image = toText(base as TextInput, 'from() image');
  return startStage({ kind: 'image', image, args: argRefsOf(base as TextInput) }, options.as, options.platform, link, before) as unknown as Stage;
}
