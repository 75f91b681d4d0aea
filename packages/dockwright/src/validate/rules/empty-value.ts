import type { AnyInstructionNode } from '../../ir/nodes/index.js';
import { isBlank, type Text } from '../../ir/text.js';
import { dockwrightUrl, defineRule } from '../rule.js';

const isEmpty = (text: Text | undefined): boolean => text !== undefined && (typeof text === 'string' ? isBlank(text) : text.parts.length === 0);

/** An instruction without the value it needs: `run('')`, `cmd([])`, `workdir('')`, `copy([], ...)`. */
export const EmptyValue = defineRule({
  name: 'EmptyValue',
  severity: 'error',
  description: 'A required value is empty.',
  url: dockwrightUrl('EmptyValue'),
  fatal: true,
  create(ctx) {
    const report = (node: AnyInstructionNode, what: string): void => ctx.report(node.loc, `${what} is empty.`);
    /** `CMD []` and `ENTRYPOINT []` are allowed: they clear what the base image set. */
    const command = (node: AnyInstructionNode & { command: { form: string } }, name: string, mayClear = false): void => {
      const c = node.command as { form: string; command?: string; args?: readonly string[]; script?: string };
      if (c.form === 'shell' && isBlank(c.command!)) report(node, `The ${name} command`);
      if (c.form === 'exec' && (c.args!.length === 0 ? !mayClear : c.args![0] === '')) report(node, `The ${name} exec-form array (or its executable)`);
      if (c.form === 'script' && isBlank(c.script!)) report(node, `The ${name} script`);
    };
    return {
      instruction: {
        run: (node) => command(node, 'RUN'),
        cmd: (node) => command(node, 'CMD', true),
        entrypoint: (node) => command(node, 'ENTRYPOINT', true),
        healthcheck: (node) => {
          if (node.test) command({ ...node, command: node.test }, 'HEALTHCHECK');
        },
        shell: (node) => {
          if (node.args.length === 0 || node.args[0] === '') report(node, 'The SHELL executable');
        },
        stopsignal: (node) => isEmpty(node.signal) && report(node, 'The STOPSIGNAL signal'),
        user: (node) => {
          if (isEmpty(node.user)) report(node, 'The USER name');
          if (isEmpty(node.group)) report(node, 'The USER group');
        },
        workdir: (node) => isEmpty(node.path) && report(node, 'The WORKDIR path'),
        volume: (node) => (node.paths.length === 0 || node.paths.some(isEmpty)) && report(node, 'A VOLUME path'),
        expose: (node) => (node.ports.length === 0 || node.ports.some(isEmpty)) && report(node, 'An EXPOSE port'),
        env: (node) => node.pairs.length === 0 && report(node, 'The ENV pair list'),
        label: (node) => node.pairs.length === 0 && report(node, 'The LABEL pair list'),
        maintainer: (node) => isBlank(node.name) && report(node, 'The MAINTAINER name'),
        copy: (node) => copyOperands(node, 'COPY'),
        add: (node) => copyOperands(node, 'ADD'),
      },
    };
    function copyOperands(node: AnyInstructionNode & { sources: readonly Text[]; inline?: string | undefined; dest: Text }, name: string): void {
      if (node.inline === undefined && (node.sources.length === 0 || node.sources.some(isEmpty))) report(node, `A ${name} source`);
      if (isEmpty(node.dest)) report(node, `The ${name} destination`);
    }
  },
});
