import { isAutomaticArg, textVariables } from '../../ir/text.js';
import { buildkitUrl, defineRule } from '../rule.js';

/** A FROM line that uses a variable no global ARG declares: it expands to nothing. */
export const UndefinedArgInFrom = defineRule({
  name: 'UndefinedArgInFrom',
  severity: 'warning',
  description: 'A FROM line uses a variable that no ARG before the first FROM declares.',
  url: buildkitUrl('UndefinedArgInFrom'),
  create(ctx) {
    let globals: Set<string> | undefined;
    let globalArgs: readonly { readonly name: string }[] = [];
    return {
      file: (file) => {
        globals = undefined;
        globalArgs = file.globalArgs;
      },
      instruction: {
        from: (node) => {
          if (typeof node.image === 'string' && node.platform === undefined) return; // no variable to look up
          globals ??= new Set(globalArgs.map((a) => a.name));
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
