import type { AnyInstructionNode, CommandForm, TriviaNode } from '../../ir/nodes/index.js';
import type { Text } from '../../ir/text.js';
import {
  commentProblem,
  copyOperandProblem,
  directiveLookalikeProblem,
  heredocDelimiterProblem,
  linesProblem,
  flagValueProblem,
  heredocBodyProblem,
  inlineDestinationProblem,
  labelKeyProblem,
  execArgsProblem,
  mountProblem,
  onbuildTriggerProblem,
  portProblem,
  runCommandProblem,
  shellFormProblem,
  wordProblem,
  type EscapeChar,
  type Problem,
} from '../../ir/encodability.js';
import { dockwrightUrl, defineRule } from '../rule.js';

/**
 * A value that no Dockerfile can carry, or that would change the file's structure if printed:
 * a newline in ENV, a trailing escape character in RUN, a heredoc marker on a one-line RUN,
 * a space in a flag. Never skippable: the printer would refuse it anyway.
 */
export const UnencodableValue = defineRule({
  name: 'UnencodableValue',
  severity: 'error',
  description: 'A value cannot be written into a Dockerfile without changing its structure.',
  url: dockwrightUrl('UnencodableValue'),
  fatal: true,
  printerRefuses: true,
  create(ctx) {
    let esc: EscapeChar = '\\';
    const report = (node: AnyInstructionNode, what: string, problem: Problem): void => {
      if (problem) ctx.report(node.loc, `${what} ${problem}.`);
    };
    const words = (node: AnyInstructionNode, what: string, texts: readonly (Text | undefined)[]): void => {
      for (const text of texts) if (text !== undefined) report(node, what, wordProblem(text, esc));
    };
    const operands = (node: AnyInstructionNode, what: string, texts: readonly Text[]): void => {
      for (const text of texts) report(node, what, copyOperandProblem(text, esc));
    };
    const flags = (node: AnyInstructionNode, what: string, texts: readonly (Text | undefined)[]): void => {
      for (const text of texts) if (text !== undefined) report(node, what, flagValueProblem(text));
    };
    const command = (node: AnyInstructionNode, what: string, form: CommandForm): void => {
      if (form.form === 'shell') report(node, what, shellFormProblem(form.command, esc) ?? linesProblem(form, esc));
      else report(node, what, execArgsProblem(form.args));
    };
    const trivia = (node: AnyInstructionNode, before: readonly TriviaNode[] | undefined): void => {
      for (const line of before ?? []) if (line.kind === 'comment') report(node, 'A comment before it', commentProblem(line.text));
    };
    return {
      file: (file) => {
        esc = ctx.escape;
        file.globalArgs.forEach((a) => {
          words(a, `The default of ARG ${a.name}`, [a.default]);
          trivia(a, a.before);
        });
        // Nothing above it: a comment first in the file would be read as a parser directive.
        const first = file.globalArgs[0] ?? file.stages[0]?.from;
        const top = first?.before?.[0];
        if (first && top?.kind === 'comment' && Object.values(file.directives).every((d) => d === undefined)) {
          report(first, 'The comment at the top of the file', directiveLookalikeProblem(top.text));
        }
      },
      instruction: {
        from: (node) => {
          trivia(node, node.before);
          words(node, 'The FROM image', [node.image]);
          flags(node, 'The FROM --platform value', [node.platform]);
        },
        run: (node) => {
          const c = node.command;
          if (c.form === 'shell') report(node, 'The RUN command', runCommandProblem(c.command, esc) ?? linesProblem(c, esc));
          else if (c.form === 'script') report(node, 'The RUN script', heredocBodyProblem(c.script) ?? heredocDelimiterProblem(c.heredoc?.delimiter));
          else command(node, 'The RUN command', c);
          for (const mount of node.mounts) report(node, `A --mount=type=${mount.type} option`, mountProblem(mount));
        },
        cmd: (node) => command(node, 'The CMD command', node.command),
        entrypoint: (node) => command(node, 'The ENTRYPOINT command', node.command),
        healthcheck: (node) => node.test && command(node, 'The HEALTHCHECK command', node.test),
        shell: (node) => command(node, 'The SHELL array', { form: 'exec', args: node.args }),
        stopsignal: (node) => words(node, 'The STOPSIGNAL signal', [node.signal]),
        user: (node) => words(node, 'The USER', [node.user, node.group]),
        workdir: (node) => words(node, 'The WORKDIR path', [node.path]),
        volume: (node) => words(node, 'A VOLUME path', node.paths),
        // EXPOSE splits its arguments on whitespace before unquoting: a port is one bare word.
        expose: (node) => node.ports.forEach((port) => report(node, 'An EXPOSE port', portProblem(port))),
        env: (node) => node.pairs.forEach((p) => words(node, `The ENV value of ${p.key}`, [p.value])),
        label: (node) =>
          node.pairs.forEach((p) => {
            report(node, `The LABEL key ${JSON.stringify(p.key)}`, labelKeyProblem(p.key, esc));
            words(node, `The LABEL value of ${p.key}`, [p.value]);
          }),
        arg: (node) => words(node, `The default of ARG ${node.name}`, [node.default]),
        comment: (node) => report(node, 'The comment', commentProblem(node.text)),
        onbuild: (node) => report(node, 'The ONBUILD trigger', onbuildTriggerProblem(node.trigger)),
        maintainer: (node) => report(node, 'The MAINTAINER name', /[\n\r\0]/.test(node.name) ? 'contains a line break or NUL' : undefined),
        copy: (node) => {
          operands(node, 'A COPY path', [...node.sources, node.dest]);
          flags(node, 'A COPY flag value', [node.from, node.chown, node.chmod, ...node.exclude]);
          if (node.inline !== undefined) {
            report(node, 'The COPY content', heredocBodyProblem(node.inline) ?? heredocDelimiterProblem(node.heredoc?.delimiter));
            report(node, 'The COPY destination', inlineDestinationProblem(node.dest));
          }
        },
        add: (node) => {
          operands(node, 'An ADD path', [...node.sources, node.dest]);
          flags(node, 'An ADD flag value', [node.chown, node.chmod, node.checksum, ...node.exclude]);
        },
      },
    };
  },
});
