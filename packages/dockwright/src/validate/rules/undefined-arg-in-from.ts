import { isAutomaticArg, textVariables } from '../../ir/text.js';
import { buildkitUrl, defineRule } from '../rule.js';

/** A FROM line that uses a variable no global ARG declares: it expands to nothing. */
export const UndefinedArgInFrom = defineRule({
  name: 'UndefinedArgInFrom',
  severity: 'warning',
  description: 'A FROM line uses a variable that no ARG before the first FROM declares.',
  url: buildkitUrl('UndefinedArgInFrom'),
  create(ctx) {
    let globals = new Set<string>();
    return {
      file: (file) => {
        globals = new Set(file.globalArgs.map((a) => a.name));
      },
      instruction: {
        from: (node) => {
          const names = [...textVariables(node.image), ...(node.platform ? textVariables(node.platform) : [])];
          for (const name of new Set(names)) {
            if (!globals.has(name) && !isAutomaticArg(name)) {
              ctx.report(node.loc, `FROM uses ${name}, which no global ARG declares: declare it before the first FROM.`);
            }
          }
        },
      },
    };
  },
});
