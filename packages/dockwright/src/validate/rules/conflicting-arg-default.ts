import { textToDisplay } from '../../ir/text.js';
import { dockwrightUrl, defineRule } from '../rule.js';

/** Two `arg()` references with one name and different defaults: only one default can win. */
export const ConflictingArgDefault = defineRule({
  name: 'ConflictingArgDefault',
  severity: 'error',
  description: 'Global ARGs with one name have different defaults.',
  url: dockwrightUrl('ConflictingArgDefault'),
  create(ctx) {
    return {
      file: (file) => {
        const first = new Map<string, string | undefined>();
        for (const arg of file.globalArgs) {
          const value = arg.default === undefined ? undefined : textToDisplay(arg.default);
          if (!first.has(arg.name)) first.set(arg.name, value);
          else if (first.get(arg.name) !== value) {
            ctx.report(arg.loc, `ARG ${arg.name} is declared with the defaults ${JSON.stringify(first.get(arg.name))} and ${JSON.stringify(value)}: use one arg() reference.`);
          }
        }
      },
    };
  },
});
