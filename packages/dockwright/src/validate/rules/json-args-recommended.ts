import { buildkitUrl, defineRule } from '../rule.js';

/** Shell-form CMD/ENTRYPOINT runs under `/bin/sh -c`, which does not pass signals to the process. */
export const JSONArgsRecommended = defineRule({
  name: 'JSONArgsRecommended',
  severity: 'warning',
  description: 'CMD or ENTRYPOINT uses the shell form.',
  url: buildkitUrl('JSONArgsRecommended'),
  create(ctx) {
    const visit = (name: string) => (node: { command: { form: string }; loc?: Parameters<typeof ctx.report>[0] }) => {
      if (node.command.form === 'shell') {
        ctx.report(
          node.loc,
          `${name} in shell form runs under /bin/sh -c, which does not forward signals: ${ctx.origin === 'code' ? 'pass an array (exec form)' : `use the JSON (exec) form, ${name} ["executable", "arg"]`}.`,
        );
      }
    };
    return { instruction: { cmd: visit('CMD'), entrypoint: visit('ENTRYPOINT') } };
  },
});
