import { textToDisplay } from '../../ir/text.js';
import { dockwrightUrl, defineRule } from '../rule.js';

/**
 * Two `arg()` references with one name and different defaults, used by different FROM lines: only
 * the last default wins, so the first FROM silently gets the other one. A redeclaration on purpose
 * (`arg(previous, default)` in code, any later `ARG` of one name in a Dockerfile) is not this.
 */
export const ConflictingArgDefault = defineRule({
  name: 'ConflictingArgDefault',
  severity: 'error',
  description: 'Global ARGs with one name have different defaults.',
  url: dockwrightUrl('ConflictingArgDefault'),
  create(ctx) {
    return {
      file: (file) => {
        if (file.globalArgs.length === 0) return;
        const first = new Map<string, string | undefined>();
        for (const arg of file.globalArgs) {
          const value = arg.default === undefined ? undefined : textToDisplay(arg.default);
          // A redeclaration is a chain the file (or `arg(previous, ...)`) means: the later default wins, as in BuildKit.
          if (!first.has(arg.name) || arg.redeclares) first.set(arg.name, value);
          else if (first.get(arg.name) !== value) {
            ctx.report(
              arg.loc,
              `ARG ${arg.name} is declared with the defaults ${JSON.stringify(first.get(arg.name))} and ${JSON.stringify(value)}: the last one wins for every FROM. ${ctx.origin === 'code' ? 'Use one arg() reference, or redeclare it on purpose with arg(previous, default).' : 'Keep one declaration.'}`,
            );
          }
        }
      },
    };
  },
});
