import { dockwrightUrl, defineRule } from '../rule.js';

/** What an ENV or ARG name may be; `isVariableName` answers the same (a property test holds them together). */
export const VARIABLE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** `VARIABLE.test(name)`, read through a table: this runs for every ENV and ARG name synthesized. */
export function isVariableName(name: string): boolean {
  if (name.length === 0 || NAME_CODES[name.charCodeAt(0)] !== 2) return false;
  for (let i = 1; i < name.length; i++) if (!NAME_CODES[name.charCodeAt(i)]) return false;
  return true;
}

/** By character code: 2 where a name may start (letters, "_"), 1 where it may go on (digits, ".", "-"). */
const NAME_CODES = (() => {
  const table = new Uint8Array(128);
  for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_') table[ch.charCodeAt(0)] = 2;
  for (const ch of '0123456789.-') table[ch.charCodeAt(0)] = 1;
  return table;
})();

/** ENV and ARG names must be names a shell and `${...}` can refer to; label keys must be one line. */
export const InvalidName = defineRule({
  name: 'InvalidName',
  severity: 'error',
  description: 'An ENV or ARG name, or a LABEL key, is empty or has characters it cannot have.',
  url: dockwrightUrl('InvalidName'),
  fatal: true,
  create(ctx) {
    const variable = (name: string, what: string, loc: Parameters<typeof ctx.report>[0]): void => {
      if (!isVariableName(name)) {
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
