import type { SourceLocation } from '../ir/location.js';
import { capturesSourceMapped, linkAtCapture } from './call-sites.js';
import { capturedSite, endCapture, startCapture, V8Error } from './stack-frame.js';
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
export function from(base: TextInput | StageLike, options: FromOptions = {}): Stage {
  // The caller's frame is captured here, not through linkOf: fewer frames for V8 to read back.
  const capture = startCapture(capturesSourceMapped());
  let site: SourceLocation | undefined;
  if (capture !== undefined) {
    try {
      const holder: { stack?: unknown } = {};
      V8Error.captureStackTrace!(holder, from);
      site = capturedSite(holder, capture);
    } finally {
      endCapture(capture);
    }
  }
  const link = linkAtCapture(site, 'from');
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
