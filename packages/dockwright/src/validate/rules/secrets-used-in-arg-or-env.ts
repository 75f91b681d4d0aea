import { remembered } from '../../ir/remember.js';
import { buildkitUrl, defineRule } from '../rule.js';

const SECRET = /(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)/i;
const PUBLIC = /(?:_|^)public(?:_|$)/i;
/** Names repeat from image to image: the two expressions run once for each. */
const looksSecret = remembered((name) => SECRET.test(name) && !PUBLIC.test(name));

/** ARG and ENV values end up in the image's history and config: secrets belong in secret mounts. */
export const SecretsUsedInArgOrEnv = defineRule({
  name: 'SecretsUsedInArgOrEnv',
  severity: 'warning',
  description: 'An ARG or ENV name looks like it holds a secret.',
  url: buildkitUrl('SecretsUsedInArgOrEnv'),
  create(ctx) {
    const check = (name: string, instruction: string, loc: Parameters<typeof ctx.report>[0]): void => {
      if (looksSecret(name)) {
        ctx.report(
          loc,
          `${instruction} ${name} looks like a secret: its value is kept in the image. Use a secret mount (${ctx.origin === 'code' ? "run(..., { mount: { type: 'secret', ... } })" : 'RUN --mount=type=secret,id=...'}).`,
        );
      }
    };
    return {
      file: (file) => {
        for (const a of file.globalArgs) check(a.name, 'ARG', a.loc);
      },
      instruction: {
        arg: (node) => check(node.name, 'ARG', node.loc),
        env: (node) => {
          for (const p of node.pairs) check(p.key, 'ENV', node.loc);
        },
      },
    };
  },
});
