import { dockwrightUrl, defineRule } from '../rule.js';
import { parseCheckDirective } from '../config.js';

/** `escape` takes `\` or a backtick; `syntax` is one image reference; `check` is BuildKit's format. */
export const InvalidDirective = defineRule({
  name: 'InvalidDirective',
  severity: 'error',
  description: 'A parser directive has an invalid value.',
  url: dockwrightUrl('InvalidDirective'),
  fatal: true,
  create(ctx) {
    return {
      file: (file) => {
        const { syntax, escape, check } = file.directives;
        if (escape !== undefined && escape !== '\\' && escape !== '`') {
          ctx.report(file.loc, `The escape directive takes "\\" or "\`", not ${JSON.stringify(escape)}.`);
        }
        if (syntax !== undefined && !/^\S+$/.test(syntax)) {
          ctx.report(file.loc, `The syntax directive must be one image reference, got ${JSON.stringify(syntax)}.`);
        }
        if (check !== undefined) {
          const problem = /[\n\r\0]/.test(check) ? 'contains a line break' : parseCheckDirective(check).problem;
          if (problem) ctx.report(file.loc, `The check directive ${JSON.stringify(check)}: ${problem}.`);
        }
      },
    };
  },
});
