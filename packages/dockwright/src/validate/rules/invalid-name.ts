import { dockwrightUrl, defineRule } from '../rule.js';

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** ENV and ARG names must be names a shell and `${...}` can refer to; label keys must be one line. */
export const InvalidName = defineRule({
  name: 'InvalidName',
  severity: 'error',
  description: 'An ENV or ARG name, or a LABEL key, is empty or has characters it cannot have.',
  url: dockwrightUrl('InvalidName'),
  fatal: true,
  create(ctx) {
    const variable = (name: string, what: string, loc: Parameters<typeof ctx.report>[0]): void => {
      if (!VARIABLE.test(name)) {
        ctx.report(loc, `${what} name ${JSON.stringify(name)} is invalid: use letters, digits and "_" (not starting with a digit).`);
      }
    };
    return {
      file: (file) => {
        for (const a of file.globalArgs) variable(a.name, 'ARG', a.loc);
      },
      instruction: {
        arg: (node) => variable(node.name, 'ARG', node.loc),
        env: (node) => {
          for (const p of node.pairs) variable(p.key, 'ENV', node.loc);
        },
        label: (node) => {
          for (const p of node.pairs) {
            if (p.key === '' || /[\n\r\0]/.test(p.key)) ctx.report(node.loc, `LABEL key ${JSON.stringify(p.key)} is empty or spans lines.`);
          }
        },
      },
    };
  },
});
